// Histograms of a few value sets on one x axis (drawn with ImGui's draw list), each normalized to
// its own peak so a small and a large set read alike, with labelled vertical markers (e.g. where
// each probed image's f(x) falls). Clicking near a marker picks it.
#pragma once
#include <string>
#include <vector>

#include <imgui.h>

namespace shortrun::explorer {

struct HistSeries {
  std::vector<float> values;
  ImU32 color = IM_COL32(90, 160, 90, 140);
  std::string name;
};

struct HistMarker {
  float x = 0;
  ImU32 color = IM_COL32(255, 255, 255, 255);
  std::string label;       // drawn at the top of the line
  bool highlight = false;  // thicker line
};

// Returns the index of the marker clicked (-1: none).
int histogram_plot(const char* id, ImVec2 size, const std::vector<HistSeries>& series, const std::vector<HistMarker>& markers,
                   int bins = 40, const char* x_label = "f(x)");

}  // namespace shortrun::explorer

// Line plots drawn with ImGui's draw list (ImGui 1.86 has only PlotLines): several series,
// an optional shaded band (e.g. f over a data batch), a marker at the current x, hover
// read-out, and click-to-pick an x (so a plot scrubs the timeline).
#pragma once
#include <string>
#include <vector>

#include <imgui.h>

namespace shortrun::explorer {

struct PlotSeries {
  std::vector<float> y;  // y[i] at x = i (NaN: gap)
  ImU32 color = IM_COL32(200, 200, 200, 255);
  float thickness = 1.0f;
  std::string name;      // shown in the hover read-out (empty: not listed)
  bool crisp = false;    // no anti-aliasing: a third of the triangles, for many faint lines
  // Optional: a shaded range at each x (e.g. the 10th..90th percentile around a mean), in the
  // series' colour, faint; empty or NaN where there is none.
  std::vector<float> band_lo{}, band_hi{};  // ({}: brace-initialised series need not name them)
};

struct PlotBand {
  bool show = false;
  float lo = 0, hi = 0, mid = 0;
  ImU32 color = IM_COL32(90, 160, 90, 60);
  std::string name;
};

struct PlotSpec {
  std::string title;
  ImVec2 size{0, 120};      // width 0: fill the available width
  int x_count = 0;          // x runs 0..x_count-1
  int marker = -1;          // vertical line at this x (-1: none)
  bool log_y = false;
  PlotBand band;
  std::string note;         // drawn in red at the top (e.g. "3 chains diverged at step 12")
  int alert_x = -1;         // a red vertical line at this x (-1: none), e.g. the divergence step
  std::string x_label = "step";  // named under the x ticks
  int x_scale = 1;          // tick and hover labels show i * x_scale (x sampled every x_scale units)
  std::vector<int> alerts;  // more red vertical lines (e.g. a run's rollbacks)
};

// "Nice" tick positions (1, 2 or 5 × 10^k apart) covering [0, x_max], at most about `max_ticks`.
std::vector<int> nice_ticks(int x_max, int max_ticks);

// Draws the plot; returns the x clicked or dragged over (-1 when not).
int plot_lines(const char* id, const PlotSpec& spec, const std::vector<PlotSeries>& series);

}  // namespace shortrun::explorer

// The enlarged chain's inspector (zoom, pan, pixel read-out, difference view): its UI state.
#pragma once
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

namespace shortrun::explorer {

struct InspectorView {
  float zoom = 1.0f;          // 1 = the whole image
  float cx = 0.5f, cy = 0.5f; // the centre of the view, in image fractions
};

struct InspectorUi {
  InspectorView image_view, heat_view;
  bool against_pinned = false;  // difference against a pinned step instead of the previous kept one
  int pinned_step = -1;
  std::tuple<uint64_t, int, int, int, float, bool> shown_heat{};  // (run, chain, a, b, range, auto) uploaded
  std::pair<int, int> pair{-1, -1};  // the (a, b) steps of the difference shown
  double pair_norm = -1;             // |x_b − x_a| over all channels (-1: none)
  std::string heat_note;             // why no heatmap is shown ("" when one is)
};

}  // namespace shortrun::explorer

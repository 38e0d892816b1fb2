// The 2-D playground's overlays on its squares (ImGui draw lists over the heatmap textures):
// particles, particles replayed through their K steps with trails, and the gradient field.
// A square at screen point o, side `side`, shows [-box, box]² with y up.
#pragma once
#include <vector>

#include <imgui.h>

#include "views/toy2d/toy2d_runner.h"

namespace shortrun::explorer {

ImVec2 to_screen(ImVec2 o, float size, float box, float x, float y);
// Points xy (n × 2) as dots.
void draw_points(ImDrawList* dl, const std::vector<float>& xy, float box, ImVec2 o, float side, ImU32 col);
// The snapshot's short-run chains at the step the clock t picks, each with a fading trail.
void draw_particles(ImDrawList* dl, const Toy2dSnapshot& s, ImVec2 o, float side, float t);
// ∇f as arrows on a coarse grid.
void draw_arrows(ImDrawList* dl, const Toy2dSnapshot& s, ImVec2 o, float side);

}  // namespace shortrun::explorer

// Hovering an image shows the value of the pixel under the mouse (tev-style read-out), added to
// the image's tooltip. `pixels` is the image as shown: H·W·C floats, row-major, channels last.
#pragma once
#include <imgui.h>

#include <algorithm>

namespace shortrun::explorer {

inline void pixel_readout(const float* pixels, int w, int h, int c, const char* what = "value") {
  if (!pixels || w <= 0 || h <= 0 || !ImGui::IsItemHovered()) return;
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  const ImVec2 m = ImGui::GetIO().MousePos;
  const int x = std::clamp(int((m.x - a.x) / std::max(1.0f, b.x - a.x) * float(w)), 0, w - 1);
  const int y = std::clamp(int((m.y - a.y) / std::max(1.0f, b.y - a.y) * float(h)), 0, h - 1);
  const float* v = pixels + (size_t(y) * w + x) * c;
  ImGui::BeginTooltip();  // appends to the tooltip tip() set
  if (c >= 3) ImGui::Text("pixel (%d, %d): %s %.4f %.4f %.4f", x, y, what, v[0], v[1], v[2]);
  else ImGui::Text("pixel (%d, %d): %s %.4f", x, y, what, v[0]);
  ImGui::EndTooltip();
}

}  // namespace shortrun::explorer

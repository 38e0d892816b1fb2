// Small layout helpers shared by the panels: rows that wrap instead of running off a narrow window.
#pragma once
#include <imgui.h>

namespace shortrun::explorer {

// Continues the current row if an item `width` wide still fits in the window, else starts a new row.
inline void same_line_if_fits(float width, float spacing = -1.0f) {
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const float gap = spacing >= 0 ? spacing : ImGui::GetStyle().ItemSpacing.x;
  if (ImGui::GetItemRectMax().x + gap + width <= right) ImGui::SameLine(0, spacing);
}

// The width of a labelled widget whose frame is `frame` wide.
inline float labelled_width(const char* label, float frame) {
  return frame + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label, nullptr, true).x;
}

// The width of a button labelled `label`.
inline float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + 2 * ImGui::GetStyle().FramePadding.x;
}

}  // namespace shortrun::explorer

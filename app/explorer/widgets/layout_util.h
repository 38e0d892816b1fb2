// Small layout helpers shared by the panels: rows that wrap instead of running off a narrow window,
// and reserved room for text that comes and goes, so the controls below never move under the pointer.
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

// Room for `lines` lines of text that appears, disappears or changes length (warnings, estimates):
// construct it before the text, and when it goes out of scope the cursor sits where `lines` lines
// would end, so the next control stays put. Text longer than the room is clipped, never pushes.
class ReservedLines {
 public:
  explicit ReservedLines(int lines) {
    start_ = ImGui::GetCursorScreenPos();
    height_ = lines * ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 max(start_.x + ImGui::GetContentRegionAvail().x, start_.y + height_);
    ImGui::PushClipRect(start_, max, true);
    ImGui::BeginGroup();
  }
  ~ReservedLines() {
    ImGui::EndGroup();
    ImGui::PopClipRect();
    ImGui::SetCursorScreenPos(start_);
    ImGui::Dummy(ImVec2(1.0f, height_ - ImGui::GetStyle().ItemSpacing.y));
  }
  ReservedLines(const ReservedLines&) = delete;
  ReservedLines& operator=(const ReservedLines&) = delete;

 private:
  ImVec2 start_;
  float height_ = 0;
};

}  // namespace shortrun::explorer

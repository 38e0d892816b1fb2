// tip() and record_layout() (layout_record.h): the items of the frame being built.
#include "widgets/layout_record.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>

#include "widgets/disabled_why.h"

namespace shortrun::explorer {

namespace {
std::vector<LaidOutItem> g_items;
std::string g_hovered_tip;  // the tooltip shown this frame (state dumps), "" if none
}  // namespace

void tip(const char* text) {
  // A disabled control keeps its tip, with the reason of the scope that disabled it (disabled_why.h);
  // long tips wrap inside the window.
  const bool disabled = (GImGui->LastItemData.InFlags & ImGuiItemFlags_Disabled) != 0;
  const std::string why = disabled ? disabled_reason() : std::string();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    const float wrap = std::min(ImGui::GetFontSize() * 32.0f, ImGui::GetMainViewport()->WorkSize.x - 24.0f);
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(std::max(wrap, 80.0f));
    ImGui::TextUnformatted(text);
    if (!why.empty()) {  // a control disabled without DisabledWhy keeps its own text (the state dump flags it)
      ImGui::Spacing();
      ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "Disabled: %s", why.c_str());
    }
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
    g_hovered_tip = std::string(text) + (why.empty() ? "" : "\nDisabled: " + why);
  }
  record_layout(text, 0);
  g_items.back().disabled = disabled;
  g_items.back().why = why;
}

void record_layout(const std::string& what, float limit_w) {
  const ImGuiWindow* w = ImGui::GetCurrentWindow();
  LaidOutItem item;
  item.limit_w = limit_w;
  item.tip = what.substr(0, 48);
  item.window = w->Name;
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  item.rect = {a.x, a.y, b.x, b.y};
  item.window_rect = {w->Pos.x, w->Pos.y, w->Pos.x + w->Size.x, w->Pos.y + w->Size.y};
  item.scroll_max_y = ImGui::GetScrollMaxY();
  item.scroll_y = ImGui::GetScrollY();
  g_items.push_back(std::move(item));
}

void begin_layout_frame() {
  g_items.clear();
  g_hovered_tip.clear();
}

const std::vector<LaidOutItem>& laid_out_items() { return g_items; }
const std::string& hovered_tip_text() { return g_hovered_tip; }

}  // namespace shortrun::explorer

// path_field() (path_field.h).
#include "widgets/path_field.h"

#include <imgui.h>

#include <string>

#include "widgets/layout_record.h"

namespace shortrun::explorer {

PathAction path_field(const PathFieldSpec& spec, char* buffer, size_t size) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float buttons = ImGui::CalcTextSize((std::string(spec.open_label) + "Browse...").c_str()).x + 4 * style.FramePadding.x;
  const float row = spec.width > 0 ? spec.width : ImGui::GetContentRegionAvail().x;
  ImGui::SetNextItemWidth(row - buttons - 2 * style.ItemSpacing.x);
  const bool enter = ImGui::InputTextWithHint(spec.id, spec.hint, buffer, size, ImGuiInputTextFlags_EnterReturnsTrue);
  tip(spec.field_tip);
  PathAction action = enter ? PathAction::kOpen : PathAction::kNone;
  ImGui::SameLine();
  if (ImGui::Button(spec.open_label)) action = PathAction::kOpen;
  tip(spec.open_tip);
  ImGui::SameLine();
  if (ImGui::Button("Browse...")) action = PathAction::kBrowse;
  tip(spec.browse_tip);
  return action;
}

}  // namespace shortrun::explorer

// command_field and seconds_text.
#include "view_widgets.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

void command_field(const std::string& line, const std::string& command) {
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s; the command that writes the same PNG:", line.c_str());
  ImGui::PopTextWrapPos();
  // InputTextMultiline wants a mutable buffer; read-only, so a copy per frame is fine.
  std::string buffer = command;
  const float copy_w = ImGui::CalcTextSize("Copy").x + 2 * ImGui::GetStyle().FramePadding.x;
  const float width = ImGui::GetContentRegionAvail().x - copy_w - ImGui::GetStyle().ItemSpacing.x;
  const float chars_per_line = std::max(20.0f, width / std::max(1.0f, ImGui::CalcTextSize("x").x));
  const float lines = std::min(6.0f, std::ceil(float(command.size()) / chars_per_line) + 0.5f);
  ImGui::InputTextMultiline("##command", buffer.data(), buffer.size() + 1, ImVec2(width, lines * ImGui::GetTextLineHeight() + 8),
                            ImGuiInputTextFlags_ReadOnly);
  tip("the shortrun command that reproduces the exported PNG (also in the .json)");
  ImGui::SameLine();
  if (ImGui::Button("Copy")) ImGui::SetClipboardText(command.c_str());
  tip("copy the command to the clipboard");
}

std::string seconds_text(double s) {
  char buf[48];
  if (s < 10) std::snprintf(buf, sizeof(buf), "%.2f s", s);
  else if (s < 120) std::snprintf(buf, sizeof(buf), "%.0f s", s);
  else std::snprintf(buf, sizeof(buf), "%d min %d s", int(s / 60), int(std::fmod(s, 60.0)));
  return buf;
}

}  // namespace shortrun::explorer

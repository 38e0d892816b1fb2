// command_field and seconds_text.
#include "view_widgets.h"

#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "view.h"  // tip()

namespace shortrun::explorer {

void command_field(const std::string& line, const std::string& command) {
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s; the command that writes the same PNG:", line.c_str());
  ImGui::PopTextWrapPos();
  if (ImGui::Button("Copy")) ImGui::SetClipboardText(command.c_str());
  tip("copy the command to the clipboard (it is also in the .json, under \"command\")");
  ImGui::SameLine();
  // Wrapped, so the whole line is readable (ImGui's multiline field does not wrap).
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(command.c_str());
  ImGui::PopTextWrapPos();
}

std::string seconds_text(double s) {
  char buf[48];
  if (s < 10) std::snprintf(buf, sizeof(buf), "%.2f s", s);
  else if (s < 120) std::snprintf(buf, sizeof(buf), "%.0f s", s);
  else std::snprintf(buf, sizeof(buf), "%d min %d s", int(s / 60), int(std::fmod(s, 60.0)));
  return buf;
}

}  // namespace shortrun::explorer

// The small widgets the views share (view_widgets.h).
#include "widgets/view_widgets.h"

#include <imgui.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "widgets/disabled_why.h"

#include "widgets/layout_record.h"  // tip()

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

void cli_line(const std::string& command, const char* copy_tip) {
  ImGui::TextDisabled("CLI:");
  ImGui::SameLine();
  if (ImGui::SmallButton("copy")) ImGui::SetClipboardText(command.c_str());
  tip(copy_tip);
  ImGui::SameLine();
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("%s", command.c_str());
  ImGui::PopTextWrapPos();
}

bool export_row(const char* id, char* folder, size_t folder_size, bool running, const char* button_tip,
                const std::string& shared_folder) {
  ImGui::Spacing();
  ImGui::SetNextItemWidth(220);
  const std::string hint = "sidebar's: " + shared_folder;
  ImGui::InputTextWithHint(id, hint.c_str(), folder, folder_size);
  tip(("where this tab's exports go (created if missing); empty: the sidebar's export folder, " + shared_folder).c_str());
  ImGui::SameLine();
  DisabledWhy off(running, "an export is being written: wait for it to finish");
  const bool pressed = ImGui::Button("Export PNG + JSON");
  tip(button_tip);
  return pressed;
}

void export_outcome(const std::string& error, const std::string& line, const std::string& command) {
  if (!error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("%s", error.c_str());
    ImGui::PopStyleColor();
  } else if (!command.empty()) {
    command_field(line, command);
  }
}

std::string seconds_text(double s) {
  char buf[48];
  if (s < 10) std::snprintf(buf, sizeof(buf), "%.2f s", s);
  else if (s < 120) std::snprintf(buf, sizeof(buf), "%.0f s", s);
  else std::snprintf(buf, sizeof(buf), "%d min %d s", int(s / 60), int(std::fmod(s, 60.0)));
  return buf;
}

void job_outcome(const std::string& error, bool showing_previous) {
  if (error == "stopped") {
    ImGui::TextDisabled("stopped%s", showing_previous ? " (showing the previous result)" : "");
  } else if (!error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("%s", error.c_str());
    ImGui::PopStyleColor();
  }
}

void set_field(char* buffer, size_t size, const std::string& text) {
  if (size == 0) return;
  std::strncpy(buffer, text.c_str(), size - 1);
  buffer[size - 1] = '\0';
}

void progress_line(const char* doing, long long done, long long total, const char* unit) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%s... %lld / %lld %s", doing, done, total, unit);
  ImGui::ProgressBar(total > 0 ? float(double(done) / double(total)) : 0.0f, ImVec2(-1, 0), buf);
}

}  // namespace shortrun::explorer

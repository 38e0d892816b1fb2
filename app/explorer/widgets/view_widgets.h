// Small widgets the analysis views share: the exported command line (wrapped, with a Copy
// button) and a duration as text.
#pragma once
#include <cstddef>
#include <string>

namespace shortrun::explorer {


// "wrote X and Y" and, under it, the command that reproduces the PNG.
void command_field(const std::string& line, const std::string& command);

// "CLI: [copy] shortrun ..." in one wrapped, greyed line (the command a view's settings amount to).
void cli_line(const std::string& command, const char* copy_tip);

// The export row of a view: its folder field (`id` names it for ImGui; empty: the sidebar's
// `shared_folder`, shown as its hint) and the export button, disabled while an export runs.
// Returns true when the button was pressed.
bool export_row(const char* id, char* folder, size_t folder_size, bool running, const char* button_tip,
                const std::string& shared_folder);
// Under the export row: the error in red, or what was written and its command (command_field).
void export_outcome(const std::string& error, const std::string& line, const std::string& command);

// A job's end under its controls: its error in red, or "stopped" (with the previous result shown).
void job_outcome(const std::string& error, bool showing_previous);

// A running job's bar under its controls: "<doing>... done / total <unit>", full width.
void progress_line(const char* doing, long long done, long long total, const char* unit);

// `text` into a fixed-size text field's buffer, cut to fit.
void set_field(char* buffer, size_t size, const std::string& text);

// "0.42 s", "12 s", "3 min 5 s".
std::string seconds_text(double s);

}  // namespace shortrun::explorer

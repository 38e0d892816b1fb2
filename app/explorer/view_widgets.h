// Small widgets the analysis views share: the exported command line (wrapped, with a Copy
// button) and a duration as text.
#pragma once
#include <string>

namespace shortrun::explorer {


// "wrote X and Y" and, under it, the command that reproduces the PNG.
void command_field(const std::string& line, const std::string& command);

// "0.42 s", "12 s", "3 min 5 s".
std::string seconds_text(double s);

}  // namespace shortrun::explorer

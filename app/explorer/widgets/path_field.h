// The one path field of the explorer: a text field with an open button (Load, Open, Add) and a
// Browse... button on one line, each with its tip. Enter in the field is the open button.
#pragma once
#include <cstddef>

namespace shortrun::explorer {

struct PathFieldSpec {
  const char* id;          // ImGui id of the field ("##modelpath")
  const char* hint;        // shown while the field is empty
  const char* open_label;  // "Load", "Open", ...
  const char* field_tip;
  const char* open_tip;
  const char* browse_tip;
  float width = 0;         // the whole row's width (0: the rest of the line)
};

enum class PathAction { kNone, kOpen, kBrowse };

PathAction path_field(const PathFieldSpec& spec, char* buffer, size_t size);

}  // namespace shortrun::explorer

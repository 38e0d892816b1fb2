// Text from outside (file names, keys and strings read from files) made safe for a one-line
// message and for JSON: valid UTF-8 is kept, control characters and bytes that are not UTF-8
// become \xNN. The one place this is done: file_error, clip, the CLI's last catch and every
// JSON writer (json_text) go through it.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shortrun {

// s with control characters (C0, DEL, C1) and invalid UTF-8 bytes written as \xNN. Idempotent.
std::string printable(std::string_view s);

// printable() of at most `max` bytes of s (cut at a character boundary), "..." when cut.
std::string clip(std::string_view s, size_t max = 80);

// True when s is valid UTF-8 (what JSON can hold).
bool is_utf8(std::string_view s);

// j.dump(indent), except that a string (or key) that is not UTF-8, which nlohmann's dump refuses
// with a raw exception, is written as printable() text instead. For every JSON a user gets.
std::string json_text(const nlohmann::json& j, int indent = -1);

}  // namespace shortrun

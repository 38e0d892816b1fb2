// Small file helpers shared by the readers and writers: whole-file reads and atomic writes.
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace shortrun {

// Whole file as bytes; throws "<path>: cannot open (...)" if unreadable.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// Calls write(stream) on "<path>.tmp.<pid>", flushes, then renames over path.
// On any failure the temp file is removed and the original path is untouched.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);

bool file_exists(const std::string& path);
std::string lowercase_extension(const std::string& path);  // ".png", ".safetensors", ...

}  // namespace shortrun

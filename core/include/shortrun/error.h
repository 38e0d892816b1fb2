// shortrun::Error — the one exception type core throws: a message a user can act on
// (what went wrong, which file, what was expected).
#pragma once
#include <stdexcept>
#include <string>

namespace shortrun {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Error prefixed with the file it concerns: "<path>: <message>".
inline Error file_error(const std::string& path, const std::string& message) {
  return Error(path + ": " + message);
}

}  // namespace shortrun

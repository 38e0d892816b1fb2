// shortrun::Error — the one exception type core throws: a message a user can act on
// (what went wrong, which file, what was expected).
#pragma once
#include <stdexcept>
#include <string>

#include "shortrun/base/printable.h"

namespace shortrun {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Error prefixed with the file it concerns: "<path>: <message>". The path is printable(): a
// newline or a byte that is not UTF-8 in a file name cannot split or garble the one line.
inline Error file_error(const std::string& path, const std::string& message) {
  return Error(printable(path) + ": " + message);
}

}  // namespace shortrun

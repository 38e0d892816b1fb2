// SpillFile: an unlinked temporary file that outputs too big for memory are assembled in
// (written at any offset while chains stream in batches), then copied to their destination
// through the safe writer in one go, after everything else has succeeded. It lives in $TMPDIR
// (else /tmp), as users and batch systems expect of a temporary file.
#pragma once
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace shortrun::cli {

class SpillFile {
 public:
  explicit SpillFile(const std::string& what);  // `what` names the output in errors
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  void write_at(uint64_t offset, const void* data, size_t bytes);
  void write_at(uint64_t offset, const torch::Tensor& t);  // its float32 bytes
  // Copies the first `bytes` to `path` with write_file_atomic.
  void copy_to(const std::string& path, uint64_t bytes) const;

 private:
  std::string what_;
  int fd_ = -1;
};

}  // namespace shortrun::cli

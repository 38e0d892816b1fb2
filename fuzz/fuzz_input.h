// Shared by the libFuzzer harnesses: the reader limits scaled down for fuzzing, each input as a
// file (the readers take paths, as the CLI gives them), and the rule that only Error may escape.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include <torch/torch.h>

#include "shortrun/base/error.h"

namespace shortrun::fuzz {

// The README's limits, lowered (a variable already set wins) so that what a limit allows stays
// far below the fuzzer's -rss_limit_mb and an input runs in milliseconds. The seed corpus is
// tests/corpus/make_hostile.py --scale 100, whose bombs still pass these limits by far.
inline void set_fuzz_limits() {
  setenv("SHORTRUN_MAX_DECODED_BYTES", "16777216", 0);  // 16 MiB (default 1 GiB)
  setenv("SHORTRUN_MAX_PICKLE_OPS", "30000", 0);        // default 3,000,000
  setenv("SHORTRUN_MAX_PICKLE_MEMO", "5000", 0);        // default 500,000
  setenv("SHORTRUN_MAX_IMAGE_PIXELS", "1048576", 0);    // 1024^2 (default 4096^2)
  torch::set_num_threads(1);
}

// Writes `size` bytes to `path` (created or truncated); any failure aborts the fuzzer.
inline void write_bytes(const std::string& path, const uint8_t* data, size_t size) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) { std::perror(path.c_str()); std::abort(); }
  for (size_t done = 0; done < size;) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) { std::perror(path.c_str()); std::abort(); }
    done += static_cast<size_t>(n);
  }
  close(fd);
}

// Writes the input to this process's one temp file (in $TMPDIR, else /dev/shm, else /tmp), whose
// name ends in `extension` (read_image_or_npy dispatches on it), and returns its path.
inline std::string input_file(const uint8_t* data, size_t size, const char* extension) {
  static const std::string path = [&] {
    const char* tmp = std::getenv("TMPDIR");
    const char* dir = tmp && *tmp ? tmp : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string p = std::string(dir) + "/shortrun_fuzz_" + std::to_string(getpid()) + extension;
    static std::string removed_at_exit = p;
    std::atexit([] { unlink(removed_at_exit.c_str()); });
    return p;
  }();
  write_bytes(path, data, size);
  return path;
}

// Runs one read. A shortrun::Error is the reader refusing the file, as it should; any other
// exception (a LibTorch c10::Error, std::bad_alloc, std::out_of_range ...) escaping it is a
// finding: the CLI would print a message that is not ours. Reported and aborted on.
template <typename Fn>
void expect_clean(Fn&& read) {
  try {
    read();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s escaped the reader (only shortrun::Error may): %s\n", typeid(e).name(), e.what());
    std::abort();
  }
}

}  // namespace shortrun::fuzz

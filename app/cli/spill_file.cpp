// SpillFile: mkstemp(3) in $TMPDIR, unlinked at once (tmpfile(3) ignores TMPDIR), plus
// pwrite/pread; the copy goes through write_file_atomic, so the
// destination is never half-written and devices, links and "-" behave as for any output.
#include "spill_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

namespace shortrun::cli {

namespace {
std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}
}  // namespace

SpillFile::SpillFile(const std::string& what) : what_(what) {
  const std::string dir = temp_dir();
  std::string name = dir + "/shortrun-spill-XXXXXX";
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0)
    throw file_error(dir, "cannot create a temporary file for " + what_ + " (" + std::strerror(errno) + "); set TMPDIR to a writable directory");
  ::unlink(name.c_str());  // gone when the process ends, however it ends
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SpillFile::write_at(uint64_t offset, const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd_, p, bytes, static_cast<off_t>(offset));
    if (n <= 0) throw file_error(temp_dir(), "cannot write the temporary file for " + what_ + " (" + std::strerror(errno) + "); is TMPDIR full?");
    p += n;
    offset += static_cast<uint64_t>(n);
    bytes -= static_cast<size_t>(n);
  }
}

void SpillFile::write_at(uint64_t offset, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  write_at(offset, c.data_ptr(), static_cast<size_t>(c.numel()) * sizeof(float));
}

void SpillFile::copy_to(const std::string& path, uint64_t bytes) const {
  write_file_atomic(path, [&](std::ostream& out) {
    std::vector<char> buf(1 << 20);
    for (uint64_t at = 0; at < bytes;) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), bytes - at));
      const ssize_t n = ::pread(fd_, buf.data(), want, static_cast<off_t>(at));
      if (n <= 0) throw Error("cannot read back the temporary file for " + what_);
      out.write(buf.data(), n);
      at += static_cast<uint64_t>(n);
    }
  });
}

}  // namespace shortrun::cli

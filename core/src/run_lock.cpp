// RunLock: flock(LOCK_EX | LOCK_NB) on DIR/.lock, with the holder's PID written inside so the
// refusal can name it. The kernel drops the lock when the process dies (SIGKILL included).
#include "shortrun/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shortrun/error.h"

namespace shortrun {

RunLock::RunLock(const std::string& dir) {
  const std::string path = dir + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) throw file_error(path, std::string("cannot open the run lock (") + std::strerror(errno) + ")");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {0};
    const ssize_t got = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      const std::string pid = got > 0 ? std::string(buf, size_t(got)) : "unknown";
      throw file_error(dir, "is being written by another trainer (PID " + pid.substr(0, pid.find('\n')) + " holds " + path +
                                "); wait for it or stop it first");
    }
    throw file_error(path, std::string("cannot lock the run directory (") + std::strerror(err) + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

RunLock& RunLock::operator=(RunLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

}  // namespace shortrun

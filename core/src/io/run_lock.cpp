// RunLock: flock(LOCK_EX | LOCK_NB) on the run directory itself (its own file descriptor) and on
// DIR/.lock, which holds the holder's PID so the refusal can name it. The directory cannot be
// deleted or swapped for a file under a live trainer the way .lock can (rm D/.lock leaves the
// directory's lock in place); .lock is kept for file systems that refuse flock on a directory.
// The kernel drops both locks when the process dies (SIGKILL included).
#include "shortrun/io/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "shortrun/base/error.h"

namespace shortrun {
namespace {

// The PID of the process holding a flock on the directory, from the kernel's lock table
// (/proc/locks: "1: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INODE 0 EOF", device numbers in hex);
// "" if not found. Works when D/.lock was deleted.
std::string flock_holder(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return "";
  std::ifstream in("/proc/locks");
  std::string line;
  for (int n = 0; n < 100000 && std::getline(in, line); ++n) {
    std::istringstream f(line);
    std::string id, kind, mode, access, pid, where;
    if (!(f >> id >> kind >> mode >> access >> pid >> where) || kind != "FLOCK" || access != "WRITE") continue;
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (std::sscanf(where.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3) continue;
    if (ino == st.st_ino && maj == major(st.st_dev) && min == minor(st.st_dev)) return pid;
  }
  return "";
}

// The holder's PID: what it wrote into D/.lock, else the kernel's lock table.
std::string holder_of(const std::string& dir, const std::string& lock_path) {
  char buf[32] = {0};
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  ssize_t got = -1;
  if (fd >= 0) {
    got = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
  }
  if (got > 0) {
    const std::string pid(buf, size_t(got));
    return pid.substr(0, pid.find('\n'));
  }
  const std::string pid = flock_holder(dir);
  return pid.empty() ? "unknown" : pid;
}

[[noreturn]] void refuse_busy(const std::string& dir, const std::string& lock_path) {
  throw file_error(dir, "is being written by another trainer (PID " + holder_of(dir, lock_path) + " holds " + dir +
                            "); wait for it or stop it first");
}

}  // namespace

RunLock::RunLock(const std::string& dir) {
  const std::string path = dir + "/.lock";
  dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) throw file_error(dir, std::string("cannot open the run directory (") + std::strerror(errno) + ")");
  if (::flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    release();
    if (err == EWOULDBLOCK) refuse_busy(dir, path);
    // A file system without flock on directories (some network ones): .lock alone guards.
    if (err != EBADF && err != ENOLCK && err != EOPNOTSUPP && err != EINVAL)
      throw file_error(dir, std::string("cannot lock the run directory (") + std::strerror(err) + ")");
  }
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd_ < 0) {
    const int err = errno;
    release();
    throw file_error(path, std::string("cannot open the run lock (") + std::strerror(err) + ")");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    release();
    if (err == EWOULDBLOCK) refuse_busy(dir, path);
    throw file_error(path, std::string("cannot lock the run directory (") + std::strerror(err) + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

void RunLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  if (dir_fd_ >= 0) ::close(dir_fd_);
  fd_ = dir_fd_ = -1;
}

RunLock::~RunLock() { release(); }

RunLock& RunLock::operator=(RunLock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = o.fd_;
    dir_fd_ = o.dir_fd_;
    o.fd_ = o.dir_fd_ = -1;
  }
  return *this;
}

}  // namespace shortrun

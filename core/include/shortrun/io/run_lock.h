// One writer per run directory: an exclusive flock on the directory itself and on DIR/.lock
// (which names the holder's PID), held for a trainer's life. Deleting .lock does not free the
// run. A second trainer gets one line naming the holder's PID. Readers (plot, the explorer's
// attach) never take it.
#pragma once
#include <string>

namespace shortrun {

class RunLock {
 public:
  RunLock() = default;
  // Throws shortrun::Error naming the directory and the holder's PID if another process has it.
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(RunLock&& o) noexcept : fd_(o.fd_), dir_fd_(o.dir_fd_) { o.fd_ = o.dir_fd_ = -1; }
  RunLock& operator=(RunLock&& o) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  void release();
  int fd_ = -1;      // DIR/.lock
  int dir_fd_ = -1;  // DIR
};

}  // namespace shortrun

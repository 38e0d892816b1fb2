// One writer per run directory: an exclusive flock on DIR/.lock held for a trainer's life.
// A second trainer gets one line naming the holder's PID. Readers (plot, the explorer's
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
  RunLock(RunLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RunLock& operator=(RunLock&& o) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace shortrun

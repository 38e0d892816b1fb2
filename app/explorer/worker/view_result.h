// Where a view job leaves its outcome for the UI thread: the newest result (an immutable
// shared_ptr swapped under a mutex), or the one line that says why there is none, plus the
// job's progress as atomics the UI reads every frame without waiting on the torch thread.
// clear() (the model changed) also disowns a job still running: what it publishes afterwards is
// for the old model and is dropped.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace shortrun::explorer {

template <class Result>
class ViewResultSlot {
 public:
  // A job starts: no error, no progress, running.
  void start() {
    std::lock_guard<std::mutex> lock(mutex_);
    error_.clear();
    done.store(0);
    total.store(0);
    running.store(true);
    job_epoch_ = epoch_;
    ++version_;
  }
  void publish(std::shared_ptr<const Result> r) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job_epoch_ == epoch_) result_ = std::move(r);
    running.store(false);
    ++version_;
  }
  void fail(std::string line) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job_epoch_ == epoch_) error_ = std::move(line);
    running.store(false);
    ++version_;
  }
  // The job ended without a result (stopped): the previous result stays.
  void stopped() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job_epoch_ == epoch_) error_ = "stopped";
    running.store(false);
    ++version_;
  }
  std::shared_ptr<const Result> result() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return result_;
  }
  std::string error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }
  uint64_t version() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    result_.reset();
    error_.clear();
    ++epoch_;
    ++version_;
  }

  std::atomic<int64_t> done{0}, total{0};
  std::atomic<bool> running{false};

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Result> result_;
  std::string error_;
  uint64_t version_ = 0;
  uint64_t epoch_ = 0, job_epoch_ = 0;  // clear() count; the running job's, taken at start()
};

// A view's end of a slot: the slot (shared with the jobs that fill it, so a job ending after the
// view is gone writes into memory that still exists) and the version the view last took.
template <class Result>
struct SlotWatch {
  std::shared_ptr<ViewResultSlot<Result>> slot = std::make_shared<ViewResultSlot<Result>>();
  uint64_t seen = 0;
  // True once for each change since the last call (a start, a result, an error, a clear).
  bool changed() {
    const uint64_t v = slot->version();
    if (v == seen) return false;
    seen = v;
    return true;
  }
  // A change the view has not taken yet (a script's wait for the view waits for it).
  bool pending() const { return slot->version() != seen; }
  // After a change: the job's error into `error`, and its result into `shown` when it is a new
  // one (true then).
  bool take(std::shared_ptr<const Result>& shown, std::string& error) const {
    error = slot->error();
    std::shared_ptr<const Result> r = slot->result();
    if (r == shown) return false;
    shown = std::move(r);
    return true;
  }
  // A model switch: the shown result goes, and what a stopped job still hands over is dropped.
  void clear(std::shared_ptr<const Result>& shown) {
    slot->clear();
    shown.reset();
  }
};

// What a view's export job reports: the files it wrote, the CLI command that writes the same,
// and the line for the status bar.
struct ExportOutcome {
  std::string png, json, command, line;
};

}  // namespace shortrun::explorer

// The views' torch thread: long runs, contact sheets, OOD scores, A/B comparisons and
// training jobs run here, one at a time, each with progress and a stop, and each view's result
// is published by the view's own job code. It sits beside the chains worker (worker.h) so that
// a long view computation never holds up the Chains tab, and its jobs appear in the same job
// list (ids from kViewJobIdBase up, so Session routes a stop to the right queue).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "worker/view_result.h"
#include "worker/worker.h"

namespace shortrun {
class EnergyModel;
class Generator;
}

namespace shortrun::explorer {

constexpr uint64_t kViewJobIdBase = uint64_t(1) << 40;

class ViewJobs;

// What a running view job may use (on the view thread only).
class ViewJob {
 public:
  // Set when the user stops the job (or a newer job of its kind supersedes it): return soon.
  bool cancelled() const { return cancel_.load(); }
  const std::atomic<bool>& cancel_flag() const { return cancel_; }
  // `done` of `total` units finished (the job list shows it with a time left).
  void progress(int64_t done, int64_t total);
  // The model at `path` on the session's device, loaded once and kept for later jobs (a view
  // comparing two models keeps both). Throws shortrun::Error naming the file.
  EnergyModel& model(const std::string& path);
  // The file at `path` as a Generator of any kind (an EBM with its card's sampler, a VAE, a GAN;
  // generators/generator.h), loaded once and kept; shared, so a job holds it while the cache moves on.
  std::shared_ptr<Generator> generator(const std::string& path);
  const std::string& device() const;

 private:
  friend class ViewJobs;
  ViewJob(ViewJobs& owner, std::atomic<bool>& cancel) : owner_(owner), cancel_(cancel) {}
  ViewJobs& owner_;
  std::atomic<bool>& cancel_;
};

class ViewJobs {
 public:
  // device: cpu | cuda | auto; threads: torch intra-op threads of this thread (0: as the worker).
  explicit ViewJobs(std::string device, int threads = 0);
  ~ViewJobs();
  ViewJobs(const ViewJobs&) = delete;
  ViewJobs& operator=(const ViewJobs&) = delete;

  // Queues `body`. kind names the job in the list (long_run, sweep, ood, compare, train, ...) and
  // a newer job of the same kind replaces a queued one and stops a running one; unit is what
  // progress counts (step, cell, image, iteration). Errors thrown by body go to error().
  // Returns the job's id.
  uint64_t post(std::string kind, std::string label, std::string unit, std::function<void(ViewJob&)> body,
                bool supersede = true);
  bool cancel(uint64_t id);
  void cancel_all();
  // Drops models loaded from these paths (a checkpoint rewritten on disk is read again).
  void forget_models();

  std::vector<JobStatus> jobs() const;  // running first, then the queue
  bool idle() const;
  // The newest error of a view job, with a version that grows with each ("" / 0: none).
  std::pair<std::string, uint64_t> error() const;

 private:
  friend class ViewJob;
  struct Job {
    uint64_t id;
    std::string kind, label, unit;
    std::function<void(ViewJob&)> body;
  };
  void loop();

  std::string device_;
  int threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stop_ = false;
  bool running_ = false;
  Job current_;
  std::atomic<bool> cancel_{false};
  int64_t done_ = 0, total_ = 0;
  std::chrono::steady_clock::time_point since_;
  std::map<std::string, double> seconds_per_unit_;  // by kind: the last measured rate
  std::string error_;
  uint64_t error_version_ = 0;
  uint64_t next_id_ = kViewJobIdBase;
  std::map<std::string, std::unique_ptr<EnergyModel>> models_;  // view thread only
  std::map<std::string, std::shared_ptr<Generator>> generators_;  // view thread only
  std::thread thread_;
};

// A job body whose outcome goes to `slot`: `run(job, slot)` fills it; an error is the slot's line
// ("<what>: <error>", shown in the view) and, rethrown, the job list's.
template <class Result, class Run>
std::function<void(ViewJob&)> slot_job(std::shared_ptr<ViewResultSlot<Result>> slot, std::string what, Run run) {
  return [slot, what, run](ViewJob& job) {
    try {
      run(job, *slot);
    } catch (const std::exception& e) {
      slot->fail(what + ": " + e.what());
      throw;
    }
  };
}

// A view's export job: `write()` writes the files and returns what it wrote; a failure is the
// slot's line ("<what>: <error>"), which the view shows (views/export_report.h).
template <class Write>
std::function<void(ViewJob&)> export_job(std::shared_ptr<ViewResultSlot<ExportOutcome>> slot, std::string what, Write write) {
  return [slot, what, write](ViewJob&) {
    slot->start();
    try {
      slot->publish(std::make_shared<const ExportOutcome>(write()));
    } catch (const std::exception& e) {
      slot->fail(what + ": " + e.what());
    }
  };
}

}  // namespace shortrun::explorer

// The Training tab's own trainer: the CLI's `shortrun train` (core Trainer, same settings and
// run directory) on a thread of its own, so a run of hours never takes turns with the views'
// torch jobs. Pause and Stop both end the current stretch the way Ctrl+C ends the CLI's (a
// checkpoint of the last finished iteration, a resumable run); Resume continues it exactly as
// `shortrun train --resume` does, with the data still in memory. Torch stays in the .cpp.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace shortrun::explorer {

// The tab's fields; each is the `shortrun train` flag of the same name.
struct TrainingRequest {
  std::string data = "fashion-mnist";
  int64_t limit = 256;        // --limit: a small demo by default
  std::string out;             // --out ("" in the tab: a new folder in the export folder)
  int64_t iters = 200;
  int64_t steps = 20;         // K
  double step_size = 1.0;
  double noise = 0.01;
  int64_t nf = 16;
  double lr = 1e-4;
  std::string lr_schedule = "constant";
  int64_t batch = 64;
  int64_t log_every = 2, sample_every = 10, checkpoint_every = 20, eval_every = 0, eval_n = 200;
  uint64_t seed = 1;
  // --preset ("" : none): its switches without a field here (architecture, leak, data noise,
  // energy penalty) come from the preset; the fields above and below are the explicit flags.
  std::string preset;
  std::string init = "uniform";  // --init uniform | gaussian | data | persistent
  int64_t buffer = 10000;        // --buffer (persistent)
  double reinit = 0.05;          // --reinit (persistent)
  double ema = 0;                // --ema (0: none)
  int64_t long_run_every = 0, long_run_steps = 2000, long_run_chains = 64;  // --long-run-*

  // The equivalent command line (and the resume one).
  std::string cli_command() const;
};

enum class TrainingState { kIdle, kStarting, kRunning, kPausing, kPaused, kStopping, kStopped, kDone, kFailed };
const char* training_state_name(TrainingState s);

struct TrainingStatus {
  TrainingState state = TrainingState::kIdle;
  int64_t iteration = 0, iters = 0;
  double its_per_s = 0, eta_s = 0;
  std::string out_dir;
  std::string message;  // the last event or error line
};

class TrainingRunner {
 public:
  TrainingRunner() = default;
  ~TrainingRunner();  // stops a running trainer cleanly (it saves its checkpoint) and joins
  TrainingRunner(const TrainingRunner&) = delete;
  TrainingRunner& operator=(const TrainingRunner&) = delete;

  // Starts a new run (refused while one is active: returns the reason, else "").
  std::string start(const TrainingRequest& request);
  void pause();   // running -> paused (after the current iteration and its checkpoint)
  void resume();  // paused or stopped -> running again from the checkpoint
  void stop();    // -> stopped (the run stays resumable)
  TrainingStatus status() const;
  bool active() const;  // a thread is training, loading, or waiting paused

 private:
  // reopen: continue the run in request.out from its checkpoint instead of starting it.
  void body(TrainingRequest request, bool reopen);
  void set(TrainingState s, const std::string& message = "");

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  TrainingStatus status_;
  std::atomic<bool> interrupt_{false};  // the trainer's stop flag (pause and stop both raise it)
  bool want_pause_ = false, want_resume_ = false, want_stop_ = false;
  TrainingRequest last_;  // what start() was given (a stopped run resumes with it)
  std::thread thread_;
};

}  // namespace shortrun::explorer

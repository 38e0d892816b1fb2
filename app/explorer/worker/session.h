// The explorer's model session: the torch worker and what it last published, the sampler
// settings the user edits and the run they asked for, and the job controls (stop, abandon a
// stuck worker, the costly-run prompt). Panels and new views take a Session, not the Explorer.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "worker/cost_book.h"
#include "worker/run_cost.h"
#include "worker/view_jobs.h"
#include "worker/worker.h"

namespace shortrun::explorer {

class Session {
 public:
  explicit Session(WorkerOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Takes the worker's newest snapshot (once per frame, before the UI is built).
  void refresh();
  // Posts a chains run when the settings differ from the run asked for, unless a value is being
  // typed or the run's estimated cost needs a yes first (then `cost_prompt` opens). Returns
  // true when a run was posted.
  bool request_run_if_changed(bool typing);
  // Sample the current settings again on the next frame.
  void rerun() { sample_requested = false; }
  // A newly loaded model: its sampler defaults (the chain count kept), its precision if it runs
  // on the model's device. Returns a note when the precision had to fall back ("" if not). The
  // same checkpoint's other weights (raw <-> EMA) keep the sampler as it is.
  std::string adopt_model(const ModelInfo& model);
  // The device changed (a new ModelInfo device): a precision it cannot run falls back to exact.
  // Returns the line saying so, "" when nothing changed.
  std::string check_device_precision();
  void reset_sampler_defaults();
  void set_device(const std::string& device);  // and samples again there

  // A job of either queue (view job ids start at kViewJobIdBase).
  void cancel_job(uint64_t id) {
    if (id >= kViewJobIdBase) view_jobs->cancel(id);
    else worker->cancel(id);
  }
  void cancel_all_jobs() {
    worker->cancel_all();
    view_jobs->cancel_all();
  }
  // Nothing running or queued on either thread.
  bool idle() const { return worker->idle() && view_jobs->idle(); }
  void confirm_costly_run();
  // Returns the line to show ("run not started: ...").
  std::string decline_costly_run();
  // A job has ignored its stop for longer than kStuckAfterSeconds (by the UI clock `now`).
  bool stuck_job(double now) const;
  // Leaves the worker behind (its stuck thread still uses it: never destroyed) and starts a
  // fresh one with no model. Returns what was stuck, for the message.
  std::string abandon_worker();
  int abandoned_workers() const { return int(abandoned_.size()); }

  std::unique_ptr<Worker> worker;
  // The views' torch thread (long runs, sweeps, scores, comparisons, training); its jobs join
  // pub.jobs after the worker's.
  std::unique_ptr<ViewJobs> view_jobs;
  Published pub;
  SamplerSettings sampler, requested_sampler;
  bool sample_requested = false;
  // Counts the chains runs posted for changed settings: views showing what the settings make
  // (the Chains grid, the interpolation) follow a new one.
  uint64_t runs_posted = 0;
  struct CostPrompt {
    bool open = false;
    SamplerSettings settings;
    RunCost cost;
  } cost_prompt;
  // Rates of every job kind on the loaded model and device (measured, else from its size); a
  // model switch starts it afresh, so one model's speed never prices another's runs.
  CostBook costs;
  // Every other costly job (a reconstruction, an OOD score, a K × step sheet, an A/B comparison,
  // a long run) is priced by the same book before it starts: over kAskAboveSeconds it waits here
  // for a yes, as a chains run waits in cost_prompt. `what` says what it is and what it costs.
  struct JobPrompt {
    bool open = false;
    std::string what;
    double seconds = -1;
    std::function<void()> start;
  } job_prompt;
  // Starts `start` now (true), or opens job_prompt for it (false) when `seconds` is over the line.
  bool run_or_ask(const std::string& what, double seconds, std::function<void()> start);
  void confirm_job();
  std::string decline_job();  // the line to show
  double chain_rate = 0;                        // chain-steps/s pricing runs now (costs.chain_steps_per_s())
  std::map<uint64_t, double> cancelling_since;  // job id -> when the UI first saw it cancelling (s)

 private:
  WorkerOptions options_;
  SamplerSettings confirmed_;  // the costly settings the user said yes to
  bool has_confirmed_ = false;
  uint64_t measured_run_ = 0;
  std::string adopted_raw_, adopted_which_;  // the last adopted model's checkpoint and weights (raw | ema)
  std::string seen_device_;  // the device whose precision modes were checked last  // a chains run of an earlier model or device: not this one's rate
  std::vector<Worker*> abandoned_;
};

}  // namespace shortrun::explorer

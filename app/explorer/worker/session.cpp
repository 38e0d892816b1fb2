// Session: the worker, its snapshot, the requested run and the job controls (see session.h).
#include "worker/session.h"

#include <algorithm>

namespace shortrun::explorer {

Session::Session(WorkerOptions options)
    : worker(std::make_unique<Worker>(options)),
      view_jobs(std::make_unique<ViewJobs>(options.device, options.threads)),
      options_(std::move(options)) {}

Session::~Session() {
  view_jobs.reset();  // its jobs may read the worker's published state: stopped first
}  // then joins the live worker; abandoned ones are leaked on purpose

void Session::refresh() {
  pub = worker->published();
  for (JobStatus& j : view_jobs->jobs()) pub.jobs.push_back(std::move(j));
  // The rate of the newest run on this model prices the next one (chain-steps per second); a
  // run of an earlier model (still published until the new one's first run) says nothing.
  if (pub.model) {
    if (costs.follow(*pub.model)) measured_run_ = pub.chains ? pub.chains->id : 0;
    // Once per run, when it ends (finished or stopped), so a rate set since is not overwritten.
    const ChainRun* c = pub.chains.get();
    if (c && !c->custom_init && c->id != measured_run_ && (c->finished.load() || c->cancelled.load())) {
      measured_run_ = c->id;
      const int done = c->ready.load() - 1;
      if (done > 0) costs.record(WorkKind::kChainStep, double(c->shape.n) * done, c->seconds.load());
    }
  }
  chain_rate = costs.chain_steps_per_s();
}

bool Session::request_run_if_changed(bool typing) {
  // Settings changed while the prompt was open (a script, a shortcut): its question is about
  // settings no longer asked for, so it closes and the new ones are priced afresh.
  if (cost_prompt.open && !typing && !(sampler == cost_prompt.settings)) cost_prompt.open = false;
  if (!pub.model || typing || cost_prompt.open || (sample_requested && sampler == requested_sampler)) return false;
  if (!pub.model->is_ebm()) {
    // A VAE or GAN has no Langevin chains to run: the settings count as served (a script's idle wait).
    requested_sampler = sampler;
    sample_requested = true;
    return false;
  }
  const RunCost cost = estimate_run_cost(sampler, pub.model->shape, chain_rate, kTrajectoryBudgetBytes);
  if (needs_confirmation(cost) && !(has_confirmed_ && confirmed_ == sampler)) {
    cost_prompt = CostPrompt{true, sampler, cost};
    return false;
  }
  requested_sampler = sampler;
  sample_requested = true;
  worker->sample(sampler);
  ++runs_posted;
  return true;
}

std::string Session::adopt_model(const ModelInfo& m) {
  const bool weights_switch = !m.weights.raw.empty() && m.weights.raw == adopted_raw_ && m.weights.which() != adopted_which_;
  adopted_raw_ = m.weights.raw;
  adopted_which_ = m.weights.which();
  if (weights_switch) {
    sample_requested = false;  // the same chains under the other weights
    return "";
  }
  const int n = sampler.chains;
  sampler = m.defaults;
  sampler.chains = n;
  sample_requested = false;
  if (std::find(m.precisions.begin(), m.precisions.end(), sampler.precision) != m.precisions.end()) return "";
  const std::string note = " (its precision " + sampler.precision + " does not run on " + m.device + ": exact instead)";
  sampler.precision = "exact";
  return note;
}

std::string Session::check_device_precision() {
  if (!pub.model || pub.model->device == seen_device_) return "";
  seen_device_ = pub.model->device;
  const std::vector<std::string>& modes = pub.model->precisions;
  if (std::find(modes.begin(), modes.end(), sampler.precision) != modes.end()) return "";
  const std::string line = "precision " + sampler.precision + " does not run on " + seen_device_ + ": exact instead";
  sampler.precision = "exact";
  return line;
}

void Session::reset_sampler_defaults() {
  if (!pub.model) return;
  const int n = sampler.chains;
  sampler = pub.model->defaults;
  sampler.chains = n;
}

void Session::set_device(const std::string& device) {
  worker->set_device(device);
  rerun();  // the chains are sampled again on the new device
}

bool Session::run_or_ask(const std::string& what, double seconds, std::function<void()> start) {
  if (seconds > kAskAboveSeconds) {
    job_prompt = JobPrompt{true, what, seconds, std::move(start)};
    return false;
  }
  start();
  return true;
}

void Session::confirm_job() {
  if (!job_prompt.open) return;
  std::function<void()> start = std::move(job_prompt.start);
  job_prompt = JobPrompt{};
  if (start) start();
}

std::string Session::decline_job() {
  if (!job_prompt.open) return "";
  const std::string line = "not started: " + job_prompt.what;
  job_prompt = JobPrompt{};
  return line;
}

void Session::confirm_costly_run() {
  if (!cost_prompt.open) return;
  confirmed_ = cost_prompt.settings;
  has_confirmed_ = true;
  sampler = cost_prompt.settings;
  cost_prompt.open = false;
}

std::string Session::decline_costly_run() {
  if (!cost_prompt.open) return "";
  cost_prompt.open = false;
  if (sample_requested) {
    sampler = requested_sampler;  // back to what runs now
  } else {
    sampler.steps = std::min(sampler.steps, 100);
    sampler.chains = std::min(sampler.chains, 16);
  }
  return "run not started: " + describe_cost(cost_prompt.cost, cost_prompt.settings.steps);
}

bool Session::stuck_job(double now) const {
  for (const auto& [id, since] : cancelling_since)
    if (now - since > kStuckAfterSeconds) return true;
  return false;
}

std::string Session::abandon_worker() {
  const std::string what = pub.jobs.empty() ? std::string("a job") : "'" + pub.jobs.front().label + "'";
  worker->abandon();
  abandoned_.push_back(worker.release());
  worker = std::make_unique<Worker>(options_);
  pub = Published{};
  sample_requested = false;
  cancelling_since.clear();
  return what;
}

}  // namespace shortrun::explorer

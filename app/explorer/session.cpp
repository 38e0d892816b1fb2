// Session: the worker, its snapshot, the requested run and the job controls (see session.h).
#include "session.h"

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
  // The rate of the newest run prices the next one (chain-steps per second).
  if (pub.chains && !pub.chains->custom_init) {
    const double secs = pub.chains->seconds.load();
    const int done = pub.chains->ready.load() - 1;
    if (secs > 0.2 && done > 0) chain_rate = double(pub.chains->shape.n) * done / secs;
  }
}

bool Session::request_run_if_changed(bool typing) {
  // Settings changed while the prompt was open (a script, a shortcut): its question is about
  // settings no longer asked for, so it closes and the new ones are priced afresh.
  if (cost_prompt.open && !typing && !(sampler == cost_prompt.settings)) cost_prompt.open = false;
  if (!pub.model || typing || cost_prompt.open || (sample_requested && sampler == requested_sampler)) return false;
  const RunCost cost = estimate_run_cost(sampler, pub.model->shape, chain_rate, kTrajectoryBudgetBytes);
  if (needs_confirmation(cost) && !(has_confirmed_ && confirmed_ == sampler)) {
    cost_prompt = CostPrompt{true, sampler, cost};
    return false;
  }
  requested_sampler = sampler;
  sample_requested = true;
  worker->sample(sampler);
  return true;
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

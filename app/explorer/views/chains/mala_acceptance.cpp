// MALA acceptance statistics of a chains run (mala_acceptance.h).
#include "views/chains/mala_acceptance.h"

#include <algorithm>

namespace shortrun::explorer {

int accepted_steps(const ChainRun& run) {
  // Step k's acceptance is written before `ready` passes k (worker.cpp).
  return std::min(run.ready.load(std::memory_order_acquire), int(run.accepted.size()));
}

std::vector<float> mean_acceptance_per_step(const ChainRun& run) {
  const int steps = accepted_steps(run);
  std::vector<float> rate(size_t(std::max(0, steps)), 0.0f);
  for (int k = 0; k < steps; ++k) {
    const std::vector<uint8_t>& a = run.accepted[size_t(k)];
    if (a.empty()) continue;
    rate[size_t(k)] = float(std::count(a.begin(), a.end(), uint8_t(1))) / float(a.size());
  }
  return rate;
}

std::vector<float> acceptance_per_chain(const ChainRun& run) {
  const int steps = accepted_steps(run);
  std::vector<float> rate(size_t(run.shape.n), 0.0f);
  if (steps <= 0) return rate;
  for (int k = 0; k < steps; ++k) {
    const std::vector<uint8_t>& a = run.accepted[size_t(k)];
    for (size_t i = 0; i < a.size() && i < rate.size(); ++i) rate[i] += float(a[i]);
  }
  for (float& r : rate) r /= float(steps);
  return rate;
}

nlohmann::json mala_acceptance_json(const ChainRun& run) {
  const std::vector<float> per_step = mean_acceptance_per_step(run);
  double mean = 0;
  for (float r : per_step) mean += r;
  mean = per_step.empty() ? 0.0 : mean / double(per_step.size());
  return {{"steps", per_step.size()},
          {"temperature", run.settings.temperature},
          {"accept_rate_mean", mean},
          {"accept_rate_per_step", per_step},
          {"accept_rate_per_chain", acceptance_per_chain(run)}};
}

}  // namespace shortrun::explorer

// CostBook: measured and cold-start rates of every job kind (see cost_book.h).
#include "worker/cost_book.h"

#include <algorithm>
#include <cstdio>

namespace shortrun::explorer {

double chain_steps_per_unit(WorkKind kind) {
  switch (kind) {
    case WorkKind::kChainStep: return 1.0;
    case WorkKind::kEval: return 1.0 / 3.0;  // a forward pass; a chain-step adds the input gradient (~2 more)
    case WorkKind::kReconStep: return 3.0;   // the step, its double-backward, and the backward through it
    case WorkKind::kCount: break;
  }
  return 1.0;
}

double cold_flops_per_chain_step(int64_t parameters, const ImageShape& image) {
  // The reference nets (conv3x3 n_f, three conv4x4/2 stages, conv4x4 valid) do about 0.14 FLOP per
  // parameter per input pixel for f and ∇f: 2.76 M parameters at 32×32 -> 0.4 GFLOP (DESIGN.md).
  const double pixels = double(std::max(1, image.h)) * double(std::max(1, image.w));
  return std::max(1.0, 0.14 * double(std::max<int64_t>(1, parameters)) * pixels);
}

double cold_flops_per_second(const std::string& device, int threads) {
  // Measured in the explorer on the project's 2-core CPU (one torch thread, 16-64 chains, the
  // machine shared, 2026-12-03): the n_f = 32 and 64 nets ran at 26-35 GFLOP/s; unloaded it does
  // about twice that. 40 GFLOP/s per thread sits between.
  if (device.rfind("cuda", 0) == 0) return 5e12;
  return 40e9 * double(std::max(1, threads));
}

double cold_seconds_per_chain_step(int64_t parameters, const ImageShape& image, const std::string& device, int threads) {
  // The fixed part, per chain-step at 16 chains: an n_f = 4 net (1.6 MFLOP a chain-step) ran at
  // 1,500-2,200 chain-steps/s, i.e. ~0.5 ms of overhead each. A GPU step is launch-bound at ~1.5 ms.
  const double fixed = device.rfind("cuda", 0) == 0 ? 1.5e-3 / 16 : 0.5e-3;
  return fixed + cold_flops_per_chain_step(parameters, image) / cold_flops_per_second(device, threads);
}

void CostBook::reset(uint64_t model_id, const std::string& device, int threads, int64_t parameters,
                     const ImageShape& image) {
  model_id_ = model_id;
  device_ = device;
  threads_ = threads;
  parameters_ = parameters;
  cold_per_s_ = 1.0 / cold_seconds_per_chain_step(parameters, image, device, threads);
  std::fill(std::begin(per_s_), std::end(per_s_), 0.0);
}

bool CostBook::follow(const ModelInfo& m) {
  if (m.id == model_id_ && m.device == device_ && m.threads == threads_) return false;
  reset(m.id, m.device, m.threads, m.parameters, m.shape);
  return true;
}

void CostBook::record(WorkKind kind, double units, double seconds) {
  // Under 0.2 s a run is mostly start-up (allocations, first-call set-up): not a rate.
  if (units <= 0 || seconds < 0.2) return;
  per_s_[int(kind)] = units * chain_steps_per_unit(kind) / seconds;
}

double CostBook::chain_steps_per_s() const {
  const double measured = per_s_[int(WorkKind::kChainStep)];
  return measured > 0 ? measured : cold_per_s_;
}

bool CostBook::any_measured() const {
  return std::any_of(std::begin(per_s_), std::end(per_s_), [](double r) { return r > 0; });
}

double CostBook::seconds(WorkKind kind, double units) const {
  double rate = per_s_[int(kind)];
  if (rate <= 0) rate = chain_steps_per_s();
  if (rate <= 0) return -1;
  return units * chain_steps_per_unit(kind) / rate;
}

std::string CostBook::basis() const {
  char buf[160];
  if (measured(WorkKind::kChainStep) || any_measured()) {
    std::snprintf(buf, sizeof(buf), "measured on this model: %.0f chain-steps/s", chain_steps_per_s());
  } else {
    std::snprintf(buf, sizeof(buf), "estimated from the model's size (%.2g M parameters), not yet measured: ~%.0f chain-steps/s",
                  double(parameters_) / 1e6, cold_per_s_);
  }
  return buf;
}

}  // namespace shortrun::explorer

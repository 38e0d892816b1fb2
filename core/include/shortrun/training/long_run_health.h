// Long-run health (issue 25, part 4): the K-step chains of an evaluation or a training run continued
// to K2 steps with the same sampler and the same (chain, step)-addressed noise, and what that says
// about the learned energy (Nijkamp et al. 2020, "Anatomy"): the energy drift f(x_K2) - f(x_K) and
// the saturated-pixel fraction at K and at K2. A convergent model keeps both small.
#pragma once
#include <atomic>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"

namespace shortrun {

// Chains are run in pieces of this many (the same pieces as draw_samples, so x_K is bit-identical
// to the short-run samples of an evaluation of the same chains).
constexpr int64_t kLongRunPiece = 256;
constexpr int64_t kMaxLongRunSteps = 100000;

struct LongRunHealth {
  int64_t k = 0, k2 = 0, chains = 0;
  int64_t steps_done = 0;       // k2 unless cancelled (then the last piece stopped early)
  bool cancelled = false;
  torch::Tensor x_short, x_long;              // x_K, x_K2: [n,C,H,W] float32 CPU
  torch::Tensor energy_short, energy_long;    // f(x_K), f(x_K2): [n] float64 CPU
  double energy_short_mean = 0, energy_long_mean = 0;
  double drift = 0, drift_p10 = 0, drift_p90 = 0;  // of f(x_K2) - f(x_K) over chains
  double saturated_short = 0, saturated_long = 0;  // fraction of pixels with |x| >= kSaturatedLevel
  double seconds = 0;
};

// The q-quantile (0..1) of the finite values of `v` with linear interpolation between order
// statistics (NumPy's default); NaN when none is finite.
double quantile_of(const torch::Tensor& v, double q);

// Runs chains first_chain .. first_chain+n-1 of `sampler` (sampler.steps = K) for k2 > K steps and
// measures them at K and k2. progress(chain-steps done, chain-steps total) after every step;
// cancel is checked between steps (the result then says cancelled and holds no statistics).
// Throws shortrun::Error on bad settings (k2 <= K, k2 > kMaxLongRunSteps, n < 1).
LongRunHealth long_run_health(EnergyModel& model, const SamplerConfig& sampler, int64_t first_chain, int64_t n, int64_t k2,
                              const std::function<void(int64_t, int64_t)>& progress = nullptr,
                              const std::atomic<bool>* cancel = nullptr);

// {"k","k2","chains","energy_short","energy_long","drift","drift_p10","drift_p90","saturated_short",
//  "saturated_long","seconds"}; non-finite numbers as null.
nlohmann::json to_json(const LongRunHealth& h);

}  // namespace shortrun

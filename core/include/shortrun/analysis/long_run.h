// Short run vs long run: the same chains (same z, same noise stream u_k addressed by
// (seed, chain, step)) continued past the short run's K to M steps, with per-step curves of
// f(x_k), ‖∇f(x_k)‖ and the saturated-pixel fraction, and a strided, bounded trajectory.
#pragma once
#include <atomic>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/analysis/view_common.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"

namespace shortrun {

struct LongRunConfig {
  SamplerConfig sampler;     // steps = K, the short run
  int64_t chains = 16;       // chains 0..chains-1
  int64_t continue_to = 0;   // M >= K; 0: multiple × K
  int64_t multiple = 10;
  int64_t every = 0;         // trajectory stride in steps (raised if it would give more than max_frames frames)
  int64_t max_frames = 64;   // at most this many frames, K and M included; 0: no trajectory
  // Curves hold (M+1) × chains values each; this bounds them (and the run).
  static constexpr int64_t kMaxCurveValues = 4000000;

  int64_t total_steps() const;    // M
  int64_t frame_stride() const;   // the trajectory stride used
  void validate() const;          // throws shortrun::Error
};
void to_json(nlohmann::json& j, const LongRunConfig& c);
void from_json(const nlohmann::json& j, LongRunConfig& c);

struct LongRunResult {
  int64_t short_steps = 0;        // K
  int64_t total_steps = 0;        // M
  int64_t steps_done = 0;         // M unless cancelled
  bool cancelled = false;
  torch::Tensor x_short;          // x_K [N,C,H,W] float32 CPU (undefined if cancelled before K)
  torch::Tensor x_long;           // x_M (the last state reached if cancelled)
  torch::Tensor alive;            // bool [N]
  std::vector<int64_t> frame_steps;
  torch::Tensor frames;           // [T,N,C,H,W] float32 CPU, x at frame_steps (K and M always among them)
  ChainCurves curves;             // steps 0..steps_done
};

// Runs chains 0..N-1 of config.sampler for M steps; `init` (optional, [N,C,H,W]) replaces z.
// x_short is bit-identical to a K-step run of the same chains (LangevinSampler::run).
// progress(k, M) after each step; cancel is checked between steps. observer (optional) sees every
// step too, before progress (the explorer draws partial curves from it while the run goes on).
LongRunResult run_long(EnergyModel& model, const LongRunConfig& config,
                       const std::optional<torch::Tensor>& init = std::nullopt, const ViewProgress& progress = nullptr,
                       const std::atomic<bool>* cancel = nullptr, const StepObserver& observer = nullptr);

// The PNG of the view: the grid at K and the grid at M side by side ([C,H,W] in [-1,1]).
torch::Tensor long_run_image(const LongRunResult& r, int64_t cols);

// ULA's stationary variance for f(x) = −(x − μ)²/(2v) per coordinate, with step size s and noise
// σ set separately: x' = (1 − s/v)·x + … + σ·u, so Var = σ² / (1 − (1 − s/v)²) = σ² v² / (s (2v − s)),
// for 0 < s < 2v (the chain diverges otherwise; returns +inf). The textbook pairing s = ε²/2,
// σ = ε gives 2v² / (2v − ε²/2) → v as ε → 0.
double ula_stationary_variance(double v, double step_size, double noise_std);

}  // namespace shortrun

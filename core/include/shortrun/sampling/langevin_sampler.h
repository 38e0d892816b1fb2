// Short-run Langevin sampler: x_{k+1} = x_k + step_size·∇f(x_k) + noise_std·u_k from
// z ~ U(-1,1) (or N(0,1)), with z and every u_k addressable by (seed, chain, step); optionally
// Metropolis-adjusted (MALA) against exp(f/T).
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include <torch/torch.h>

#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/sampling/langevin_math.h"
#include "shortrun/sampling/noise.h"

namespace shortrun {

class CudaGraphStep;

// What the observer sees at step k (0..K). Tensors are views the sampler may reuse: copy
// what you keep. At k = K, `delta` is undefined (no step follows).
struct StepInfo {
  int64_t step = 0;
  torch::Tensor x;          // x_k            [N,C,H,W]
  torch::Tensor energy;     // f(x_k)         [N]
  torch::Tensor grad_norm;  // ‖∇f(x_k)‖      [N]
  torch::Tensor delta;      // x_{k+1} − x_k  [N,C,H,W]
  torch::Tensor alive;      // bool [N]: false once a chain turned NaN/Inf (frozen from then on)
  torch::Tensor accepted;   // MALA only: bool [N], whether step k's proposal was accepted
};
using StepObserver = std::function<void(const StepInfo&)>;
// u_k for every chain of a run, [N,C,H,W]; an undefined tensor means no noise at step k.
using NoiseFn = std::function<torch::Tensor(int64_t step)>;

struct SampleResult {
  torch::Tensor x;      // x_K [N,C,H,W] (frozen chains hold their last finite state)
  torch::Tensor alive;  // bool [N]
  torch::Tensor accept_rate;  // MALA only: float [N], the fraction of accepted proposals per chain
  int64_t steps_done = 0;
  bool cancelled = false;
};

class LangevinSampler {
 public:
  LangevinSampler(EnergyModel& model, SamplerConfig config);

  const SamplerConfig& config() const { return config_; }
  // z for the given chain indices (int64 [N]), on the model's device.
  torch::Tensor initial_state(const torch::Tensor& chains) const;
  // u_k for the given chains.
  torch::Tensor langevin_noise(const torch::Tensor& chains, int64_t step) const;
  // f(x) and ∇f(x) without touching weight gradients.
  std::pair<torch::Tensor, torch::Tensor> energy_and_grad(const torch::Tensor& x) const;

  // Runs K steps for the given chains. `init` (optional) replaces z. The observer is called
  // for k = 0..K; `cancel` is checked between steps.
  SampleResult run(const torch::Tensor& chains, const std::optional<torch::Tensor>& init = std::nullopt,
                   const StepObserver& observer = nullptr, const std::atomic<bool>* cancel = nullptr) const;
  // The general form: start at x0 and take u_k from `noise` (so callers can mix, fix or drop
  // the noise of several chains, as interpolation and reconstruction do).
  SampleResult run_from(const torch::Tensor& x0, const NoiseFn& noise, const StepObserver& observer = nullptr,
                        const std::atomic<bool>* cancel = nullptr) const;
  // The noise function of the given chains under this sampler's seed.
  NoiseFn noise_of(const torch::Tensor& chains) const;
  EnergyModel& model() const { return model_; }
  // Chains 0..n-1.
  SampleResult run(int64_t n, const std::optional<torch::Tensor>& init = std::nullopt,
                   const StepObserver& observer = nullptr, const std::atomic<bool>* cancel = nullptr) const;

 // The per-element step settings of this config (for the fused update).
  langevin::StepParams step_params() const;

 private:
  // chains defined: the sampler's own Philox noise of those chains; else u_k = noise(k).
  SampleResult run_impl(const torch::Tensor& x0, const torch::Tensor& chains, const NoiseFn& noise,
                        const StepObserver& observer, const std::atomic<bool>* cancel) const;

  // CUDA: the sampler's own chains replay a captured step (cuda_graph_step.h).
  SampleResult run_graph(const torch::Tensor& x0, const torch::Tensor& chains, const StepObserver& observer,
                         const std::atomic<bool>* cancel) const;

  EnergyModel& model_;
  SamplerConfig config_;
  CounterNoise noise_;
  mutable std::shared_ptr<CudaGraphStep> graph_;  // captured for the last shape, reused while it fits
  mutable bool graph_failed_ = false;
};

// int64 [n] tensor first, first+1, ... on `device`.
torch::Tensor chain_range(int64_t first, int64_t n, torch::Device device);

// Refuses (Error naming SHORTRUN_MAX_BATCH_BYTES) to sample `chains` chains of `shape` at once
// when their estimated memory passes the limit: about 8 copies of the chains' state plus the
// activations of one network evaluation (all chains at once with chunk 0, else `chunk` of them).
// run() and run_from() check it before allocating anything; callers that batch check it earlier.
void check_batch_memory(int64_t chains, const DataShape& shape, int64_t chunk);

}  // namespace shortrun

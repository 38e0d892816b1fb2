// One fused Langevin update for a batch of chains: Philox noise (or given noise), x + s·∇f + σ·u,
// optional clamp and the freezing of chains whose next state is not finite, in one pass:
// one loop over chains on the CPU, one kernel on CUDA (same per-element code, langevin_math.h).
#pragma once
#include <cstdint>

#include <torch/torch.h>

#include "shortrun/sampling/langevin_math.h"

namespace shortrun {

struct LangevinNoise {
  uint64_t seed = 0;
  torch::Tensor chains;  // int64 [N]: u_k is the Philox noise of these chains (stream kLangevin)
  torch::Tensor u;       // or: this noise [N, ...] (takes precedence over `chains`)
  int64_t step = 0;
  torch::Tensor step_on_device;  // CUDA only: int64 [1] read by the kernel (graph replays)
};

// x: float32 contiguous [N, ...], updated in place; g: ∇f(x), same shape; alive: bool [N],
// cleared for chains that turn non-finite (their x is left as it was). delta (optional): gets
// x_{k+1} − x_k (0 for frozen chains). p.noisy is taken from p; without noise set p.noisy = false.
void langevin_update(torch::Tensor& x, const torch::Tensor& g, const langevin::StepParams& p, const LangevinNoise& noise,
                     torch::Tensor& alive, torch::Tensor* delta);

}  // namespace shortrun

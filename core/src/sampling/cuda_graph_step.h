// One whole Langevin step (f, ∇f by autograd, the fused update) captured in a CUDA graph for
// fixed shapes and settings, then replayed once per step. Built with SHORTRUN_WITH_CUDA only.
#pragma once
#ifdef SHORTRUN_WITH_CUDA
#include <memory>

#include <ATen/cuda/CUDAGraph.h>
#include <torch/torch.h>

namespace shortrun {

class LangevinSampler;

class CudaGraphStep {
 public:
  // Captures the step for x0's shape. `observed`: also keep x_k, f, ‖∇f‖ and Δx per step.
  // Throws on any capture failure (the caller falls back to eager steps).
  CudaGraphStep(const LangevinSampler& sampler, const torch::Tensor& x0, bool observed);
  bool fits(const torch::Tensor& x0, bool observed) const;
  // Loads a run's start: x_0, its chain indices, step 0, every chain alive.
  void reset(const torch::Tensor& x0, const torch::Tensor& chains);
  void replay();  // one step: x ← x_{k+1}

  // Static buffers (valid after a replay; the next replay overwrites them).
  torch::Tensor x, x_prev, f, grad_norm, delta, alive, chains, step;

 private:
  void body(const LangevinSampler& sampler);
  bool observed_;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
};

}  // namespace shortrun
#endif

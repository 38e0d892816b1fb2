// Reconstruction through the unrolled chain: find z with M_θ(z, u) ≈ x_obs (u fixed) by
// Adam on z, backpropagating through all K Langevin steps. Optionally masked (inpainting):
// only observed pixels count.
//
// The gradient is reverse-mode through x_{k+1} = x_k + s·∇f(x_k) + σ·u_k, so
//   λ_k = (I + s·H(x_k)) λ_{k+1},  λ_K = ∂L/∂x_K,  ∂L/∂z = λ_0,
// with H the Hessian of f (a Hessian-vector product: double backward through the net).
// Only the K states are kept; each step's double backward is recomputed during the reverse
// sweep (gradient checkpointing across steps), so memory is K images per chain plus one step's
// activations. A LeakyReLU net is piecewise linear in x, so H = 0 almost everywhere and
// λ_0 = λ_K: the z-gradient is the output residual and the double backward is skipped
// (hessian = "auto"). With clamping, λ is also masked where a step hit ±1.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

struct ReconstructConfig {
  int64_t iters = 200;
  double lr = 0.05;
  std::string hessian = "auto";  // auto: skip where provably zero (LeakyReLU) | always
  void validate() const;
};

struct ReconstructIteration {
  int64_t iteration = 0;  // 0..iters (the last is after the final update)
  torch::Tensor mse;      // [N] mean squared error over observed pixels
  torch::Tensor x;        // [N,C,H,W] current reconstruction M(z, u)
};
using ReconstructCallback = std::function<void(const ReconstructIteration&)>;

struct ReconstructResult {
  torch::Tensor z, x, mse;  // final z, M(z,u), per-image MSE over observed pixels
  torch::Tensor curve;      // [iters+1, N] MSE after each update (row 0: at z0)
  bool cancelled = false;
};

class Reconstructor {
 public:
  Reconstructor(const LangevinSampler& sampler, ReconstructConfig config);

  // Per-pixel loss weights from a mask (1 = observed; [N|1, 1|C, H, W], undefined = all):
  // each image's weights sum to 1, so the loss is the MSE over its observed pixels.
  torch::Tensor loss_weights(const torch::Tensor& observed, const torch::Tensor& mask) const;
  // Per-image loss, ∂(Σ loss)/∂z through the unrolled chain, and x_K = M(z, u). `cancel` is
  // checked before every network evaluation of both sweeps, so a stop lands within one; a
  // cancelled call returns `cancelled` and undefined tensors.
  struct LossGrad {
    torch::Tensor loss, grad, x;
    bool cancelled = false;
  };
  LossGrad loss_and_grad(const torch::Tensor& z, const NoiseFn& noise, const torch::Tensor& observed,
                         const torch::Tensor& weights, const std::atomic<bool>* cancel = nullptr) const;
  // M(z, u): the chain's end state, exactly as the sampler computes it.
  torch::Tensor generate(const torch::Tensor& z, const NoiseFn& noise) const;

  // Optimises z from z0 (uniform-init models keep z in [−1,1] by clamping after each Adam
  // step: projected Adam; Gaussian-init models leave z free).
  ReconstructResult run(const torch::Tensor& observed, const torch::Tensor& mask, const torch::Tensor& z0,
                        const NoiseFn& noise, const ReconstructCallback& on_iteration = nullptr,
                        const std::atomic<bool>* cancel = nullptr) const;
  // z0 and u from the sampler's seed and the given chain indices.
  ReconstructResult run(const torch::Tensor& observed, const torch::Tensor& mask, const torch::Tensor& chains,
                        const ReconstructCallback& on_iteration = nullptr, const std::atomic<bool>* cancel = nullptr) const;

  bool skips_hessian() const;

 private:
  void check_inputs(const torch::Tensor& observed, const torch::Tensor& mask) const;
  const LangevinSampler& sampler_;
  ReconstructConfig config_;
};

// Masks with 1 = observed, [1,1,H,W] float: "center" hides the central half-size square,
// "left" the left half, "random:P" each pixel with probability P (counter-based on seed).
torch::Tensor make_mask(const std::string& spec, int64_t height, int64_t width, uint64_t seed = 1);

}  // namespace shortrun

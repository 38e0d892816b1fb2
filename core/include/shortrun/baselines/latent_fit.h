// Reconstruction through a generator baseline: the VAE by its encoder (x̂ = decoder(mean of
// q(z|x))), optionally refined, and the GAN by inversion: gradient descent (Adam) on z so that
// decoder(z) matches the observed pixels (mask = 1 where observed), as short-run reconstruction
// does for the EBM. The nets run in evaluation mode (BatchNorm's running statistics).
#pragma once
#include <functional>

#include <torch/torch.h>

#include "shortrun/baselines/baseline_model.h"

namespace shortrun {

struct LatentFitOptions {
  int64_t iters = 200;  // gradient steps on z (0: the VAE's encoder alone; a GAN needs > 0)
  double lr = 0.05;     // Adam's rate on z
  // Weight of the prior term 0.5·‖z‖²/D added per image (0: pure masked MSE).
  double prior_weight = 0.0;
};

struct LatentFit {
  torch::Tensor z;          // [N, latent]
  torch::Tensor x;          // decoder(z) [N,C,H,W]
  torch::Tensor mse;        // per image, on the observed pixels [N]
  std::vector<double> curve;  // mean observed-pixel MSE per step (index 0: the start)
  bool stopped = false;       // progress returned false before the last step
};

// x_obs [N,C,H,W]; mask [N or 1,1 or C,H,W] of 0/1, or undefined for all pixels; z0 [N,latent] or
// undefined (VAE: the encoder's mean; GAN: zeros). progress(step, fit so far) at the start (step
// 0) and after every step, with x and mse of the current z; returning false stops the fit there.
using LatentFitProgress = std::function<bool(int64_t step, const LatentFit& now)>;
LatentFit fit_latent(BaselineModel& model, const torch::Tensor& x_obs, const torch::Tensor& mask, const torch::Tensor& z0,
                     const LatentFitOptions& options, const LatentFitProgress& progress = nullptr);

}  // namespace shortrun

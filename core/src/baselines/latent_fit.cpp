// Reconstruction by encoder and by gradient descent on z (see latent_fit.h).
#include "shortrun/baselines/latent_fit.h"

#include "shortrun/base/error.h"
#include "shortrun/training/adam.h"

namespace shortrun {
namespace {
// Per-image MSE over the observed pixels.
torch::Tensor masked_mse(const torch::Tensor& x, const torch::Tensor& obs, const torch::Tensor& mask) {
  if (!mask.defined()) return (x - obs).pow(2).flatten(1).mean(1);
  const torch::Tensor m = mask.expand_as(obs);
  return ((x - obs).pow(2) * m).flatten(1).sum(1) / m.flatten(1).sum(1).clamp_min(1.0);
}
}  // namespace

LatentFit fit_latent(BaselineModel& model, const torch::Tensor& x_obs, const torch::Tensor& mask, const torch::Tensor& z0,
                     const LatentFitOptions& options, const LatentFitProgress& progress) {
  if (options.iters < 0) throw Error("reconstruction iterations must be >= 0");
  if (!(options.lr > 0)) throw Error("reconstruction learning rate must be > 0");
  const BaselineSpec& spec = model.spec();
  if (x_obs.dim() != 4 || x_obs.size(1) != spec.channels || x_obs.size(2) != spec.image_size || x_obs.size(3) != spec.image_size)
    throw Error("the observed images do not have the " + model.kind_name() + "'s shape " + std::to_string(spec.channels) + "x" +
                std::to_string(spec.image_size) + "x" + std::to_string(spec.image_size));
  if (!model.is_vae() && options.iters == 0 && !z0.defined())
    throw Error("a GAN has no encoder: its reconstruction needs gradient steps on z (iterations > 0)");
  model.train(false);
  std::vector<torch::Tensor> weights = model.parameters();
  std::vector<bool> had_grad;
  for (torch::Tensor& w : weights) {
    had_grad.push_back(w.requires_grad());
    w.requires_grad_(false);
  }
  const torch::Tensor obs = x_obs.to(model.device());
  const torch::Tensor m = mask.defined() ? mask.to(model.device(), torch::kFloat32) : torch::Tensor();
  torch::Tensor z;
  {
    torch::NoGradGuard no_grad;
    if (z0.defined()) z = z0.to(model.device()).clone();
    else if (model.is_vae()) z = model.encode(m.defined() ? obs * m.expand_as(obs) - (1 - m.expand_as(obs)) : obs).first.clone();
    else z = torch::zeros({obs.size(0), spec.latent}, obs.options());
  }
  LatentFit out;
  const auto measure = [&] {
    torch::NoGradGuard no_grad;
    out.x = model.decode(z);
    out.mse = masked_mse(out.x, obs, m);
    out.curve.push_back(out.mse.mean().item<double>());
  };
  measure();
  if (progress && !progress(0, out)) out.stopped = true;
  if (options.iters > 0 && !out.stopped) {
    z.requires_grad_(true);
    Adam adam({z}, AdamOptions{options.lr, 0.9, 0.999, 1e-8});
    for (int64_t k = 0; k < options.iters; ++k) {
      torch::Tensor loss = masked_mse(model.decode(z), obs, m).sum();
      if (options.prior_weight > 0) loss = loss + options.prior_weight * 0.5 * z.pow(2).mean(1).sum();
      adam.zero_grad();
      loss.backward();
      adam.step();
      measure();
      if (progress && !progress(k + 1, out)) {
        out.stopped = k + 1 < options.iters;
        break;
      }
    }
    z = z.detach();
  }
  out.z = z;
  for (size_t i = 0; i < weights.size(); ++i) weights[i].requires_grad_(had_grad[i]);
  return out;
}

}  // namespace shortrun

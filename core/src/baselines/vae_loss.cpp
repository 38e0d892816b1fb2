// The VAE's negative ELBO (see vae_loss.h).
#include "shortrun/baselines/vae_loss.h"

#include <cmath>

namespace shortrun {

VaeLoss vae_loss(const torch::Tensor& x, const torch::Tensor& x_hat, const torch::Tensor& mu, const torch::Tensor& logvar,
                 double sigma) {
  const double d = static_cast<double>(x[0].numel());
  const double log_norm = d * std::log(sigma) + 0.5 * d * std::log(2.0 * M_PI);
  VaeLoss out;
  out.recon = 0.5 * (x - x_hat).pow(2).flatten(1).sum(1).mean() / (sigma * sigma) + log_norm;
  out.kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1).mean();
  out.loss = out.recon + out.kl;
  return out;
}

torch::Tensor reparameterize(const torch::Tensor& mu, const torch::Tensor& logvar, const torch::Tensor& eps) {
  return mu + (0.5 * logvar).exp() * eps;
}

}  // namespace shortrun

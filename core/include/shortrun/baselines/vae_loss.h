// The VAE's objective: the negative ELBO per image, in nats, for a Gaussian likelihood
// p(x|z) = N(decoder(z), sigma² I) and prior N(0, I), with q(z|x) = N(mu, diag(exp(logvar))):
//   -ELBO = 0.5·‖x − x̂‖²/sigma² + D·log(sigma) + 0.5·D·log(2π) + KL(q ‖ p),
//   KL = 0.5·Σ(mu² + exp(logvar) − 1 − logvar),  averaged over the batch.
#pragma once
#include <torch/torch.h>

namespace shortrun {

struct VaeLoss {
  torch::Tensor loss;   // mean −ELBO (differentiable)
  torch::Tensor recon;  // mean −log p(x|z)
  torch::Tensor kl;     // mean KL(q(z|x) ‖ N(0, I))
};

// x, x_hat: [N,C,H,W]; mu, logvar: [N,L].
VaeLoss vae_loss(const torch::Tensor& x, const torch::Tensor& x_hat, const torch::Tensor& mu, const torch::Tensor& logvar,
                 double sigma);

// The reparameterised draw z = mu + exp(logvar / 2) · eps.
torch::Tensor reparameterize(const torch::Tensor& mu, const torch::Tensor& logvar, const torch::Tensor& eps);

}  // namespace shortrun

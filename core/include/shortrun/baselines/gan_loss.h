// The GAN's losses (Goodfellow et al. 2014; DCGAN's practice), on discriminator logits:
//   discriminator: BCE(D(x), 1) + BCE(D(G(z)), 0) = mean softplus(−l_real) + mean softplus(l_fake)
//   generator (non-saturating): BCE(D(G(z)), 1) = mean softplus(−l_fake)
#pragma once
#include <torch/torch.h>

namespace shortrun {

torch::Tensor discriminator_loss(const torch::Tensor& logits_real, const torch::Tensor& logits_fake);
torch::Tensor generator_loss(const torch::Tensor& logits_fake);

}  // namespace shortrun

// The GAN's losses (see gan_loss.h).
#include "shortrun/baselines/gan_loss.h"

namespace shortrun {

torch::Tensor discriminator_loss(const torch::Tensor& logits_real, const torch::Tensor& logits_fake) {
  return torch::softplus(-logits_real).mean() + torch::softplus(logits_fake).mean();
}

torch::Tensor generator_loss(const torch::Tensor& logits_fake) { return torch::softplus(-logits_fake).mean(); }

}  // namespace shortrun

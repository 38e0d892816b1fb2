// The DCGAN discriminator's conv stack, used as the GAN's discriminator (out = 1 logit) and as the
// VAE's encoder (out = 2·latent: mean and log-variance of q(z|x)): x [N,C,S,S] -> [N,out].
// Stride-2 4x4 convs with LeakyReLU(0.2) (BatchNorm after all but the first), then a 4x4 valid
// conv to `out` channels. Layers in one Sequential "net", named as PyTorch names them.
#pragma once
#include <torch/torch.h>

#include "shortrun/baselines/baseline_spec.h"

namespace shortrun {

class ConvEncoderImpl : public torch::nn::Module {
 public:
  ConvEncoderImpl(const BaselineSpec& spec, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);  // [N, out]

 private:
  torch::nn::Sequential net_;
};
TORCH_MODULE(ConvEncoder);

}  // namespace shortrun

// The DCGAN generator (Radford et al. 2016) used by both baselines: z [N,L] -> x [N,C,S,S] in
// (-1,1). ConvTranspose 4x4 to a 4x4 map, then stride-2 ConvTranspose + BatchNorm + ReLU stages,
// tanh at the end. Layers live in one Sequential "net", named as PyTorch names them.
#pragma once
#include <torch/torch.h>

#include "shortrun/baselines/baseline_spec.h"

namespace shortrun {

class DcganGeneratorImpl : public torch::nn::Module {
 public:
  explicit DcganGeneratorImpl(const BaselineSpec& spec);
  torch::Tensor forward(const torch::Tensor& z);  // z: [N, latent]

 private:
  torch::nn::Sequential net_;
};
TORCH_MODULE(DcganGenerator);

// DCGAN's initialisation: conv weights N(0, 0.02), BatchNorm scale N(1, 0.02) and shift 0,
// other biases 0 (draws from torch's global generator: seed it first).
void dcgan_init(torch::nn::Module& module);

}  // namespace shortrun

// The native energy nets f_θ(x): the paper's ConvNet and a pre-activation ResNet variant.
// Both map [N,C,S,S] -> [N] and are built from an ArchSpec.
#pragma once
#include <memory>

#include <torch/torch.h>

#include "shortrun/model/arch.h"

namespace shortrun {

class EnergyNetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;  // [N,C,S,S] -> [N]
};

// Paper's net. Parameters are named exactly as the paper's minimal script (f.0.weight ...
// f.8.bias for 32x32), so its state_dicts load without renaming.
//   32x32: conv3x3 nf, conv4x4/2 2nf, conv4x4/2 4nf, conv4x4/2 8nf, conv4x4 valid -> 1
//   64x64: one more conv4x4/2 stage (8nf -> 8nf) before the head.
class ConvNetEnergyImpl : public EnergyNetImpl {
 public:
  explicit ConvNetEnergyImpl(const ArchSpec& spec);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential f_;
};

// Pre-activation residual blocks (act-conv-act-conv + 1x1 skip), average-pool downsampling
// to 4x4, then the same valid 4x4 conv head.
class ResNetEnergyImpl : public EnergyNetImpl {
 public:
  explicit ResNetEnergyImpl(const ArchSpec& spec);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  ArchSpec spec_;
  torch::nn::Conv2d conv_in_{nullptr}, head_{nullptr};
  std::vector<torch::nn::Conv2d> conv1_, conv2_, skip_;
  torch::Tensor act(const torch::Tensor& x) const;
};

std::shared_ptr<EnergyNetImpl> make_energy_net(const ArchSpec& spec);

// Module for an activation name (lrelu/silu/softplus/elu).
torch::nn::AnyModule make_activation(const ArchSpec& spec);

}  // namespace shortrun

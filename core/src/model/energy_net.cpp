// ConvNet and ResNet energy nets.
#include "shortrun/model/energy_net.h"

#include "shortrun/base/error.h"

namespace shortrun {
namespace nn = torch::nn;

namespace {
nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad));
}
}  // namespace

nn::AnyModule make_activation(const ArchSpec& spec) {
  if (spec.activation == "lrelu") return nn::AnyModule(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(spec.leak)));
  if (spec.activation == "silu") return nn::AnyModule(nn::SiLU());
  if (spec.activation == "softplus") return nn::AnyModule(nn::Softplus());
  if (spec.activation == "elu") return nn::AnyModule(nn::ELU());
  throw Error("activation '" + spec.activation + "' is unknown");
}

ConvNetEnergyImpl::ConvNetEnergyImpl(const ArchSpec& spec) {
  spec.validate();
  const int64_t nf = spec.nf;
  f_ = nn::Sequential();
  f_->push_back(conv(spec.channels, nf, 3, 1, 1));
  f_->push_back(make_activation(spec));
  int64_t ch = nf;
  const int64_t stages = spec.image_size == 32 ? 3 : 4;
  for (int64_t s = 0; s < stages; ++s) {
    const int64_t out = std::min(ch * 2, nf * 8);
    f_->push_back(conv(ch, out, 4, 2, 1));
    f_->push_back(make_activation(spec));
    ch = out;
  }
  f_->push_back(conv(ch, 1, 4, 1, 0));
  register_module("f", f_);
}

torch::Tensor ConvNetEnergyImpl::forward(const torch::Tensor& x) { return f_->forward(x).reshape({x.size(0)}); }

ResNetEnergyImpl::ResNetEnergyImpl(const ArchSpec& spec) : spec_(spec) {
  spec.validate();
  const int64_t nf = spec.nf;
  conv_in_ = register_module("conv_in", conv(spec.channels, nf, 3, 1, 1));
  int64_t ch = nf;
  const int64_t stages = spec.image_size == 32 ? 3 : 4;
  for (int64_t s = 0; s < stages; ++s) {
    const int64_t out = std::min(ch * 2, nf * 8);
    const std::string i = std::to_string(s);
    conv1_.push_back(register_module("block" + i + "_conv1", conv(ch, out, 3, 1, 1)));
    conv2_.push_back(register_module("block" + i + "_conv2", conv(out, out, 3, 1, 1)));
    skip_.push_back(register_module("block" + i + "_skip", conv(ch, out, 1, 1, 0)));
    ch = out;
  }
  head_ = register_module("head", conv(ch, 1, 4, 1, 0));
}

torch::Tensor ResNetEnergyImpl::act(const torch::Tensor& x) const {
  if (spec_.activation == "lrelu") return torch::leaky_relu(x, spec_.leak);
  if (spec_.activation == "silu") return torch::silu(x);
  if (spec_.activation == "softplus") return torch::softplus(x);
  return torch::elu(x);
}

torch::Tensor ResNetEnergyImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = conv_in_->forward(x);
  for (size_t s = 0; s < conv1_.size(); ++s) {
    torch::Tensor r = conv2_[s]->forward(act(conv1_[s]->forward(act(h))));
    h = torch::avg_pool2d(r + skip_[s]->forward(h), 2);
  }
  return head_->forward(act(h)).reshape({x.size(0)});
}

std::shared_ptr<EnergyNetImpl> make_energy_net(const ArchSpec& spec) {
  spec.validate();
  if (spec.kind == "resnet") return std::make_shared<ResNetEnergyImpl>(spec);
  return std::make_shared<ConvNetEnergyImpl>(spec);
}

}  // namespace shortrun

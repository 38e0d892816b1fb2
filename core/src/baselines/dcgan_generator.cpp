// The DCGAN generator (see dcgan_generator.h).
#include "shortrun/baselines/dcgan_generator.h"

namespace shortrun {

DcganGeneratorImpl::DcganGeneratorImpl(const BaselineSpec& spec) {
  spec.validate();
  namespace nn = torch::nn;
  int64_t width = spec.nf << (spec.stages() - 1);  // 4 n_f at 32x32, 8 n_f at 64x64
  net_->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(spec.latent, width, 4).stride(1).padding(0).bias(false)));
  net_->push_back(nn::BatchNorm2d(width));
  net_->push_back(nn::ReLU());
  for (int64_t s = 1; s < spec.stages(); ++s) {
    net_->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(width, width / 2, 4).stride(2).padding(1).bias(false)));
    net_->push_back(nn::BatchNorm2d(width / 2));
    net_->push_back(nn::ReLU());
    width /= 2;
  }
  net_->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(width, spec.channels, 4).stride(2).padding(1).bias(false)));
  net_->push_back(nn::Tanh());
  net_ = register_module("net", net_);
}

torch::Tensor DcganGeneratorImpl::forward(const torch::Tensor& z) {
  return net_->forward(z.reshape({z.size(0), z.size(1), 1, 1}));
}

void dcgan_init(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/true)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) {
      c->weight.normal_(0.0, 0.02);
      if (c->bias.defined()) c->bias.zero_();
    } else if (auto* t = m->as<torch::nn::ConvTranspose2d>()) {
      t->weight.normal_(0.0, 0.02);
      if (t->bias.defined()) t->bias.zero_();
    } else if (auto* b = m->as<torch::nn::BatchNorm2d>()) {
      b->weight.normal_(1.0, 0.02);
      b->bias.zero_();
    }
  }
}

}  // namespace shortrun

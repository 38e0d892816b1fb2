// The DCGAN discriminator's conv stack (see conv_encoder.h).
#include "shortrun/baselines/conv_encoder.h"

namespace shortrun {

ConvEncoderImpl::ConvEncoderImpl(const BaselineSpec& spec, int64_t out) {
  spec.validate();
  namespace nn = torch::nn;
  int64_t width = spec.nf;
  net_->push_back(nn::Conv2d(nn::Conv2dOptions(spec.channels, width, 4).stride(2).padding(1).bias(false)));
  net_->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)));
  for (int64_t s = 1; s < spec.stages(); ++s) {
    net_->push_back(nn::Conv2d(nn::Conv2dOptions(width, width * 2, 4).stride(2).padding(1).bias(false)));
    net_->push_back(nn::BatchNorm2d(width * 2));
    net_->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)));
    width *= 2;
  }
  net_->push_back(nn::Conv2d(nn::Conv2dOptions(width, out, 4).stride(1).padding(0).bias(true)));
  net_ = register_module("net", net_);
}

torch::Tensor ConvEncoderImpl::forward(const torch::Tensor& x) { return net_->forward(x).flatten(1); }

}  // namespace shortrun

// BaselineModel: a generator baseline of the paper's Table 1: a VAE (encoder + DCGAN decoder) or
// a DCGAN (generator + discriminator), with its spec and provenance. Weights and BatchNorm
// statistics are exposed as named tensors ("generator.net.0.weight", "encoder.net.3.running_mean",
// "discriminator...") for checkpoints.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/baselines/baseline_spec.h"
#include "shortrun/baselines/conv_encoder.h"
#include "shortrun/baselines/dcgan_generator.h"
#include "shortrun/io/torch_pickle.h"

namespace shortrun {

class BaselineModel {
 public:
  // Random DCGAN-initialised weights from torch's global generator (seed it first).
  explicit BaselineModel(const BaselineSpec& spec);

  const BaselineSpec& spec() const { return spec_; }
  bool is_vae() const { return spec_.kind == "vae"; }
  // "VAE" or "GAN": how messages name the kind.
  std::string kind_name() const { return is_vae() ? "VAE" : "GAN"; }

  // z [N,latent] -> images [N,C,S,S] in (-1,1) (the VAE's decoder, the GAN's generator).
  torch::Tensor decode(const torch::Tensor& z) { return generator_->forward(z); }
  // VAE: q(z|x)'s mean and log-variance [N,latent] each. Throws for a GAN.
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x);
  // GAN: the discriminator's logits [N]. Throws for a VAE.
  torch::Tensor discriminate(const torch::Tensor& x);

  DcganGenerator& generator() { return generator_; }
  ConvEncoder& critic() { return critic_; }  // the VAE's encoder or the GAN's discriminator
  std::vector<torch::Tensor> generator_parameters() { return generator_->parameters(); }
  std::vector<torch::Tensor> critic_parameters() { return critic_->parameters(); }
  // The trainable weights of both nets (the VAE optimises them together).
  std::vector<torch::Tensor> parameters();
  int64_t parameter_count();

  // Weights and BatchNorm buffers, prefixed "generator." and "encoder."/"discriminator.".
  NamedTensors named_tensors() const;
  // Copies every named tensor in; throws naming `origin` and the first missing, extra or
  // misshapen tensor.
  void load_named_tensors(const NamedTensors& tensors, const std::string& origin);

  void to(torch::Device device);
  torch::Device device() const { return device_; }
  void train(bool on);  // BatchNorm: batch statistics (training) or running ones (sampling)

  nlohmann::json& provenance() { return provenance_; }
  const nlohmann::json& provenance() const { return provenance_; }
  // What a checkpoint's metadata holds: format version, kind, spec, value range, provenance.
  nlohmann::json card() const;

 private:
  std::string critic_prefix() const { return is_vae() ? "encoder." : "discriminator."; }
  BaselineSpec spec_;
  DcganGenerator generator_{nullptr};
  ConvEncoder critic_{nullptr};
  torch::Device device_ = torch::kCPU;
  nlohmann::json provenance_ = nlohmann::json::object();
};

}  // namespace shortrun

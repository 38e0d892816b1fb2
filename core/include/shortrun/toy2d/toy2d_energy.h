// The 2-D playground's energy: a small MLP f(x) = w3·a(W2·a(W1·x + b1) + b2) + b3, 2→H→H→1,
// with a smooth activation (SiLU or softplus), and ∇ₓf computed by hand (no autograd graph),
// so a Langevin step costs a handful of small matrix products.
#pragma once
#include <string>
#include <utility>

#include <torch/torch.h>

namespace shortrun {

struct Toy2dEnergyImpl : torch::nn::Module {
  Toy2dEnergyImpl(int64_t hidden, std::string activation);  // activation: "silu" | "softplus"
  torch::Tensor forward(const torch::Tensor& x);            // [N,2] -> f [N] (differentiable in the weights)
  // f and ∇ₓf [N,2] without recording anything for autograd.
  std::pair<torch::Tensor, torch::Tensor> energy_and_grad(const torch::Tensor& x);

  torch::nn::Linear l1{nullptr}, l2{nullptr}, l3{nullptr};
  std::string activation;
};
TORCH_MODULE(Toy2dEnergy);

}  // namespace shortrun

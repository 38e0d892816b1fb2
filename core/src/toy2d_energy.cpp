// The playground's MLP energy and its hand-written input gradient.
#include "shortrun/toy2d_energy.h"

#include "shortrun/error.h"

namespace shortrun {

Toy2dEnergyImpl::Toy2dEnergyImpl(int64_t hidden, std::string act) : activation(std::move(act)) {
  if (hidden < 1 || hidden > 4096) throw Error("toy energy: hidden width must be in 1..4096");
  if (activation != "silu" && activation != "softplus") throw Error("toy energy: activation '" + activation + "'; expected silu or softplus");
  l1 = register_module("l1", torch::nn::Linear(2, hidden));
  l2 = register_module("l2", torch::nn::Linear(hidden, hidden));
  l3 = register_module("l3", torch::nn::Linear(hidden, 1));
}

torch::Tensor Toy2dEnergyImpl::forward(const torch::Tensor& x) {
  const auto act = [&](const torch::Tensor& a) { return activation == "silu" ? torch::silu(a) : torch::softplus(a); };
  return l3->forward(act(l2->forward(act(l1->forward(x))))).squeeze(1);
}

std::pair<torch::Tensor, torch::Tensor> Toy2dEnergyImpl::energy_and_grad(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  // a' for SiLU: σ(a)(1 + a(1 − σ(a))); for softplus: σ(a).
  const auto act_and_slope = [&](const torch::Tensor& a) {
    const torch::Tensor s = torch::sigmoid(a);
    if (activation == "silu") return std::make_pair(a * s, s * (1 + a * (1 - s)));
    return std::make_pair(torch::softplus(a), s);
  };
  const auto [h1, d1] = act_and_slope(torch::addmm(l1->bias, x, l1->weight.t()));
  const auto [h2, d2] = act_and_slope(torch::addmm(l2->bias, h1, l2->weight.t()));
  const torch::Tensor f = torch::addmm(l3->bias, h2, l3->weight.t()).squeeze(1);
  const torch::Tensor g2 = d2 * l3->weight;                // [N,H]
  const torch::Tensor g1 = torch::mm(g2, l2->weight) * d1;  // [N,H]
  return {f, torch::mm(g1, l1->weight)};                    // ∇ₓf [N,2]
}

}  // namespace shortrun

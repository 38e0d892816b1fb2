// The playground's MLP energy and its hand-written input gradient.
#include "shortrun/toy2d/toy2d_energy.h"

#include "shortrun/base/error.h"

namespace shortrun {

namespace {
// x [N,in]·wᵀ + b computed as a 1×1 convolution: that runs on oneDNN's kernels, 6–8× faster here
// than the generic reference BLAS that Debian's LibTorch uses for matrix products.
torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  const int64_t n = x.size(0);
  return torch::conv2d(x.reshape({n, x.size(1), 1, 1}), w.reshape({w.size(0), w.size(1), 1, 1}), b).reshape({n, w.size(0)});
}
}  // namespace

Toy2dEnergyImpl::Toy2dEnergyImpl(int64_t hidden, std::string act) : activation(std::move(act)) {
  if (hidden < 1 || hidden > 4096) throw Error("toy energy: hidden width must be in 1..4096");
  if (activation != "silu" && activation != "softplus") throw Error("toy energy: activation '" + activation + "'; expected silu or softplus");
  l1 = register_module("l1", torch::nn::Linear(2, hidden));
  l2 = register_module("l2", torch::nn::Linear(hidden, hidden));
  l3 = register_module("l3", torch::nn::Linear(hidden, 1));
}

torch::Tensor Toy2dEnergyImpl::forward(const torch::Tensor& x) {
  const auto act = [&](const torch::Tensor& a) { return activation == "silu" ? torch::silu(a) : torch::softplus(a); };
  const torch::Tensor h1 = act(dense(x, l1->weight, l1->bias));
  return dense(act(dense(h1, l2->weight, l2->bias)), l3->weight, l3->bias).squeeze(1);
}

std::pair<torch::Tensor, torch::Tensor> Toy2dEnergyImpl::energy_and_grad(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  // a' for SiLU: σ(a)(1 + a(1 − σ(a))); for softplus: σ(a).
  const auto act_and_slope = [&](const torch::Tensor& a) {
    const torch::Tensor s = torch::sigmoid(a);
    if (activation == "silu") return std::make_pair(a * s, s * (1 + a * (1 - s)));
    return std::make_pair(torch::softplus(a), s);
  };
  const auto [h1, d1] = act_and_slope(dense(x, l1->weight, l1->bias));
  const auto [h2, d2] = act_and_slope(dense(h1, l2->weight, l2->bias));
  const torch::Tensor f = dense(h2, l3->weight, l3->bias).squeeze(1);
  // Back through the layers: g·W is the dense map with weight Wᵀ and no bias.
  const torch::Tensor g2 = d2 * l3->weight;                                                   // [N,H]
  const torch::Tensor g1 = dense(g2, l2->weight.t().contiguous(), torch::Tensor()) * d1;      // [N,H]
  return {f, dense(g1, l1->weight.t().contiguous(), torch::Tensor())};                       // ∇ₓf [N,2]
}

}  // namespace shortrun

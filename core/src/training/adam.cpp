// Adam, written out so its state is ours to save (torch.optim.Adam's arithmetic).
#include "shortrun/training/adam.h"

#include <cmath>

#include "shortrun/base/error.h"

namespace shortrun {

Adam::Adam(std::vector<torch::Tensor> params, AdamOptions options) : params_(std::move(params)), options_(options) {
  for (const auto& p : params_) {
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
  }
}

void Adam::zero_grad() {
  for (auto& p : params_)
    if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

void Adam::step() {
  torch::NoGradGuard no_grad;
  ++step_;
  const double bc1 = 1.0 - std::pow(options_.beta1, double(step_));
  const double bc2 = 1.0 - std::pow(options_.beta2, double(step_));
  for (size_t i = 0; i < params_.size(); ++i) {
    const torch::Tensor& g = params_[i].grad();
    if (!g.defined()) continue;
    m_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
    v_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
    torch::Tensor denom = (v_[i].sqrt() / std::sqrt(bc2)).add_(options_.eps);
    params_[i].addcdiv_(m_[i], denom, -options_.lr / bc1);
  }
}

NamedTensors Adam::state() const {
  NamedTensors out;
  out.emplace_back("adam/step", torch::tensor(step_, torch::kInt64));
  for (size_t i = 0; i < params_.size(); ++i) {
    out.emplace_back("adam/m/" + std::to_string(i), m_[i]);
    out.emplace_back("adam/v/" + std::to_string(i), v_[i]);
  }
  return out;
}

void Adam::load_state(const NamedTensors& state, const std::string& origin) {
  size_t found = 0;
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : state) {
    if (name == "adam/step") {
      if (t.numel() != 1 || t.is_floating_point() || t.item<int64_t>() < 0)
        throw file_error(origin, "optimizer state 'adam/step' is not one count >= 0");
      step_ = t.item<int64_t>();
      ++found;
      continue;
    }
    for (const char* kind : {"adam/m/", "adam/v/"}) {
      if (name.rfind(kind, 0) != 0) continue;
      const std::string index = name.substr(7);
      if (index.empty() || index.size() > 9 || index.find_first_not_of("0123456789") != std::string::npos)
        throw file_error(origin, "optimizer state '" + name + "' is not named adam/m/N or adam/v/N");
      const size_t i = static_cast<size_t>(std::stoul(index));
      auto& dst = kind[5] == 'm' ? m_ : v_;
      if (i >= dst.size() || dst[i].sizes() != t.sizes())
        throw file_error(origin, "optimizer state '" + name + "' does not fit this model");
      dst[i].copy_(t);
      ++found;
    }
  }
  if (found != 1 + 2 * params_.size())
    throw file_error(origin, "optimizer state is incomplete (" + std::to_string(found) + " of " +
                                 std::to_string(1 + 2 * params_.size()) + " entries)");
}

}  // namespace shortrun

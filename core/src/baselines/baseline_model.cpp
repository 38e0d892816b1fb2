// A VAE or DCGAN baseline's nets (see baseline_model.h).
#include "shortrun/baselines/baseline_model.h"

#include <set>
#include <sstream>

#include "shortrun/base/error.h"

namespace shortrun {
namespace {
// Parameters and buffers of a module under `prefix`, in registration order.
void append_named(const torch::nn::Module& m, const std::string& prefix, NamedTensors& out) {
  for (const auto& p : m.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(prefix + b.key(), b.value());
}
}  // namespace

BaselineModel::BaselineModel(const BaselineSpec& spec) : spec_(spec) {
  spec_.validate();
  generator_ = DcganGenerator(spec_);
  critic_ = ConvEncoder(spec_, is_vae() ? 2 * spec_.latent : 1);
  dcgan_init(*generator_);
  dcgan_init(*critic_);
}

std::pair<torch::Tensor, torch::Tensor> BaselineModel::encode(const torch::Tensor& x) {
  if (!is_vae()) throw Error("a GAN has no encoder; reconstruct through it by inversion (gradient descent on z)");
  const torch::Tensor h = critic_->forward(x);
  return {h.narrow(1, 0, spec_.latent), h.narrow(1, spec_.latent, spec_.latent)};
}

torch::Tensor BaselineModel::discriminate(const torch::Tensor& x) {
  if (is_vae()) throw Error("a VAE has no discriminator");
  return critic_->forward(x).reshape({-1});
}

std::vector<torch::Tensor> BaselineModel::parameters() {
  std::vector<torch::Tensor> all = generator_->parameters();
  for (const torch::Tensor& p : critic_->parameters()) all.push_back(p);
  return all;
}

int64_t BaselineModel::parameter_count() {
  int64_t n = 0;
  for (const torch::Tensor& p : parameters()) n += p.numel();
  return n;
}

NamedTensors BaselineModel::named_tensors() const {
  NamedTensors out;
  append_named(*generator_, "generator.", out);
  append_named(*critic_, critic_prefix(), out);
  return out;
}

void BaselineModel::load_named_tensors(const NamedTensors& tensors, const std::string& origin) {
  std::map<std::string, const torch::Tensor*> given;
  for (const auto& [name, t] : tensors) given[name] = &t;
  NamedTensors mine = named_tensors();
  std::set<std::string> used;
  for (const auto& [name, dst] : mine) {
    const auto it = given.find(name);
    if (it == given.end())
      throw file_error(origin, "has no tensor '" + name + "' that a " + spec_.summary() + " needs");
    const torch::Tensor& src = *it->second;
    if (!src.sizes().equals(dst.sizes())) {
      std::ostringstream s;
      s << "tensor '" << name << "' has shape " << src.sizes() << ", a " << spec_.summary() << " needs " << dst.sizes();
      throw file_error(origin, s.str());
    }
    if (src.scalar_type() != dst.scalar_type())
      throw file_error(origin, "tensor '" + name + "' has dtype " + std::string(c10::toString(src.scalar_type())) + ", expected " +
                                   std::string(c10::toString(dst.scalar_type())));
    if (src.is_floating_point() && !torch::isfinite(src).all().item<bool>())
      throw file_error(origin, "tensor '" + name + "' contains NaN or Inf");
    used.insert(name);
  }
  for (const auto& [name, t] : tensors)
    if (!used.count(name)) throw file_error(origin, "holds tensor '" + clip(name) + "', which a " + spec_.summary() + " does not have");
  torch::NoGradGuard no_grad;
  for (auto& [name, dst] : mine) dst.copy_(*given[name]);
}

void BaselineModel::to(torch::Device device) {
  generator_->to(device);
  critic_->to(device);
  device_ = device;
}

void BaselineModel::train(bool on) {
  generator_->train(on);
  critic_->train(on);
}

nlohmann::json BaselineModel::card() const {
  return {{"format_version", 1}, {"kind", spec_.kind}, {"arch", spec_}, {"value_min", -1.0}, {"value_max", 1.0},
          {"provenance", provenance_}};
}

}  // namespace shortrun

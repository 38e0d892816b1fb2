// EnergyModel implementations: native net, TorchScript module.
#include "shortrun/model/energy_model.h"

#include <sstream>

#include "shortrun/base/error.h"

namespace shortrun {

int64_t EnergyModel::parameter_count() {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

void EnergyModel::set_weights_trainable(bool on) {
  for (auto& p : parameters()) p.set_requires_grad(on);
}

// ---- native ----

NativeEnergyModel::NativeEnergyModel(const ArchSpec& spec) : net_(make_energy_net(spec)) {
  card_.arch = spec;
  card_.shape = DataShape{spec.channels, spec.image_size, spec.image_size};
}

torch::Tensor NativeEnergyModel::energy(const torch::Tensor& x) { return net_->forward(x); }

std::vector<torch::Tensor> NativeEnergyModel::parameters() { return net_->parameters(); }

void NativeEnergyModel::to(torch::Device device) {
  net_->to(device);
  device_ = device;
}

std::vector<std::pair<std::string, torch::Tensor>> NativeEnergyModel::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : net_->named_parameters(true)) out.emplace_back(p.key(), p.value());
  return out;
}

void NativeEnergyModel::load_named_parameters(const std::vector<std::pair<std::string, torch::Tensor>>& params,
                                              const std::string& origin) {
  auto own = net_->named_parameters(true);
  if (params.size() != own.size())
    throw file_error(origin, "holds " + std::to_string(params.size()) + " weights, the architecture (" +
                                 card_.arch->summary() + ") has " + std::to_string(own.size()));
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : params) {
    torch::Tensor* dst = own.find(name);
    if (!dst) throw file_error(origin, "unexpected weight '" + name + "' for " + card_.arch->summary());
    if (dst->sizes() != t.sizes()) {
      std::ostringstream s;
      s << "weight '" << name << "' has shape " << t.sizes() << ", expected " << dst->sizes();
      throw file_error(origin, s.str());
    }
    dst->copy_(t);
  }
}

// ---- TorchScript ----

TorchScriptEnergyModel::TorchScriptEnergyModel(torch::jit::Module module, const std::string& origin,
                                               const std::optional<ModelCard>& card, const ModelLoadOptions& options)
    : module_(std::move(module)), origin_(origin) {
  module_.eval();
  if (card) {
    card_ = *card;
    card_.arch.reset();  // the module's code, not an ArchSpec, defines the net
  }
  card_.source = "torchscript";
  if (!card_.provenance.is_object()) card_.provenance = nlohmann::json::object();
  card_.provenance["imported_from"] = origin;
  const std::optional<DataShape> shape = options.input_shape ? options.input_shape
                                         : card                ? std::optional<DataShape>(card->shape)
                                                               : std::nullopt;
  if (shape) {
    card_.shape = *shape;
    if (!options.run_forward) return;
    try {
      torch::NoGradGuard no_grad;
      energy(torch::zeros({2, shape->channels, shape->height, shape->width}));
      return;
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      const std::string what = e.what();
      throw file_error(origin, "TorchScript module does not accept a " + shape->str() + " batch (" +
                                   what.substr(0, what.find('\n')) + ")");
    }
  }
  if (!options.run_forward)
    throw file_error(origin, "TorchScript module carries no model card (extra file model_card.json) giving its input "
                             "shape; pass --input-shape C,H,W (describing a file does not run its code to find out)");
  // Shape: channels from the first 4-D weight; size by probing the sizes the paper uses.
  int64_t channels = 1;
  for (const auto& p : module_.parameters()) {
    if (p.dim() == 4) { channels = p.size(1); break; }
  }
  std::string last_problem;
  for (int64_t size : {32, 64, 28}) {
    card_.shape = DataShape{channels, size, size};
    try {
      torch::NoGradGuard no_grad;
      energy(torch::zeros({2, channels, size, size}));
      return;
    } catch (const Error& e) {
      last_problem = e.what();
    } catch (const std::exception&) {
      last_problem = "forward fails at " + card_.shape.str();
    }
  }
  throw file_error(origin, "TorchScript module does not accept a " + std::to_string(channels) +
                               "-channel 32x32, 64x64 or 28x28 batch with an energy per image (" + last_problem +
                               "); pass --input-shape C,H,W");
}

torch::Tensor TorchScriptEnergyModel::energy(const torch::Tensor& x) {
  torch::Tensor out = module_.forward({x}).toTensor();
  const int64_t n = x.size(0);
  // Scripts that end in .squeeze() (the paper's F does) return a scalar for a batch of one.
  const bool ok = (out.dim() == 0 && n == 1) || (out.dim() == 1 && out.size(0) == n) || (out.dim() == 2 && out.size(0) == n && out.size(1) == 1) ||
                  (out.dim() == 4 && out.size(0) == n && out.size(1) == 1 && out.size(2) == 1 && out.size(3) == 1);
  if (!ok) {
    std::ostringstream s;
    s << "TorchScript output has shape " << out.sizes() << " for a batch of " << n
      << "; expected [N], [N,1] or [N,1,1,1]";
    throw file_error(origin_, s.str());
  }
  return out.reshape({n}).to(torch::kFloat32);
}

std::vector<torch::Tensor> TorchScriptEnergyModel::parameters() {
  std::vector<torch::Tensor> out;
  for (const auto& p : module_.parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> TorchScriptEnergyModel::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : module_.named_parameters(true)) out.emplace_back(p.name, p.value.detach().clone());
  return out;
}

void TorchScriptEnergyModel::to(torch::Device device) {
  module_.to(device);
  device_ = device;
}

// ---- loading ----

DataShape parse_data_shape(const std::string& text, const std::string& what) {
  std::vector<int64_t> v;
  std::stringstream in(text);
  std::string part;
  bool ok = true;
  while (ok && std::getline(in, part, ',')) {
    size_t used = 0;
    try {
      v.push_back(std::stoll(part, &used));
    } catch (const std::exception&) {
      ok = false;
    }
    ok = ok && used == part.size() && v.back() >= 1 && v.back() <= 65536;
  }
  if (!ok || v.size() != 3 || text.empty() || text.back() == ',')
    throw Error(what + " '" + text + "': expected C,H,W (three integers in 1..65536), e.g. 1,32,32");
  const DataShape shape{v[0], v[1], v[2]};
  try {
    shape.validate();
  } catch (const Error& e) {
    throw Error(what + " '" + text + "': " + e.what());
  }
  return shape;
}

}  // namespace shortrun

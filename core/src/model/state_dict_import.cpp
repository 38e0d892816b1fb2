// Layout detection and architecture inference for the paper's state_dicts.
#include "shortrun/model/state_dict_import.h"

#include <cctype>
#include <map>
#include <sstream>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/model/energy_net.h"

namespace shortrun {
namespace {

std::string shape_str(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return clip(s.str(), 80);
}

std::string found_summary(const NamedTensors& tensors) {
  std::ostringstream s;
  size_t shown = 0;
  for (const auto& [name, t] : tensors) {
    if (shown++ == 4) { s << ", ..."; break; }
    s << (shown > 1 ? ", " : "") << clip(name, 60) << " " << shape_str(t);
  }
  return s.str();
}

// Matches "<prefix><digits>.weight" or "<prefix><digits>.bias" (no regex: keys come from the
// file and may be 100,000 characters long). At most 6 digits, so the index fits an int.
bool match_key(const std::string& name, const std::string& prefix, int* index, bool* is_weight) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size(), digits = 0;
  int v = 0;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i, ++digits) {
    if (digits == 6) return false;
    v = v * 10 + (name[i] - '0');
  }
  if (digits == 0) return false;
  const std::string rest = name.substr(i);
  if (rest != ".weight" && rest != ".bias") return false;
  *index = v;
  *is_weight = rest == ".weight";
  return true;
}

}  // namespace

ImportedNet import_state_dict(const NamedTensors& tensors_in, const std::string& origin) {
  const std::string expected =
      "expected the paper's ConvNet as f.N.weight (minimal script), convN.weight (mixed-precision script) "
      "or N.weight (nn.Sequential)";
  // Strip a DataParallel prefix.
  NamedTensors tensors;
  for (const auto& [name, t] : tensors_in)
    tensors.emplace_back(name.rfind("module.", 0) == 0 ? name.substr(7) : name, t);

  // Recognise the layout and collect conv layers as index -> (weight, bias).
  std::string layout;
  std::map<int, std::pair<torch::Tensor, torch::Tensor>> layers;
  for (const auto& [name, t] : tensors) {
    std::string this_layout;
    int index = 0;
    bool is_weight = false;
    if (match_key(name, "f.", &index, &is_weight)) this_layout = "minimal";
    else if (match_key(name, "conv", &index, &is_weight)) { this_layout = "mixed-precision"; index *= 2; }
    else if (match_key(name, "", &index, &is_weight)) this_layout = "sequential";
    else throw file_error(origin, "unknown state_dict key '" + clip(name) + "'; " + expected);
    if (!layout.empty() && layout != this_layout)
      throw file_error(origin, "state_dict mixes key layouts ('" + clip(name) + "' in a " + layout + " file); " + expected);
    layout = this_layout;
    auto& slot = layers[index];
    (is_weight ? slot.first : slot.second) = t;
  }
  if (layers.empty()) throw file_error(origin, "state_dict is empty; " + expected);

  // Architecture from the shapes: conv3x3 (C -> nf), 3 or 4 conv4x4 stages, conv4x4 head -> 1.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> convs;
  std::vector<int> indices;
  for (auto& [i, wb] : layers) {
    if (!wb.first.defined() || !wb.second.defined())
      throw file_error(origin, "layer " + std::to_string(i) + " lacks its weight or bias; " + expected);
    convs.push_back(wb);
    indices.push_back(i);
  }
  const std::string found = "found " + std::to_string(convs.size()) + " conv layers (" + found_summary(tensors) + ")";
  if (convs.size() != 5 && convs.size() != 6)
    throw file_error(origin, found + "; expected 5 (32x32) or 6 (64x64) conv layers");
  for (size_t k = 0; k < convs.size(); ++k) {
    if (indices[k] != static_cast<int>(2 * k))
      throw file_error(origin, found + "; expected conv layers at Sequential indices 0, 2, 4, ...");
    if (convs[k].first.dim() != 4 || convs[k].second.dim() != 1 || convs[k].second.size(0) != convs[k].first.size(0))
      throw file_error(origin, found + "; layer " + std::to_string(k) + " is not a 2-D convolution");
  }
  ArchSpec arch;
  arch.kind = "convnet";
  arch.activation = "lrelu";
  arch.leak = 0.2;
  arch.channels = convs[0].first.size(1);
  arch.nf = convs[0].first.size(0);
  arch.image_size = convs.size() == 5 ? 32 : 64;
  try {
    arch.validate();
  } catch (const Error& e) {
    throw file_error(origin, found + "; " + e.what());
  }

  // Check every shape against the native net built from the inferred spec, and rename.
  ImportedNet out{layout, arch, {}};
  {
    auto net = make_energy_net(arch);
    auto params = net->named_parameters(true);
    if (params.size() != convs.size() * 2) throw file_error(origin, found + "; layer count does not fit");
    size_t k = 0;
    for (const auto& p : params) {
      const torch::Tensor& src = (k % 2 == 0) ? convs[k / 2].first : convs[k / 2].second;
      if (src.sizes() != p.value().sizes())
        throw file_error(origin, found + "; layer " + std::to_string(k / 2) + " has shape " + shape_str(src) +
                                     ", the paper's net with n_f=" + std::to_string(arch.nf) + " expects " +
                                     shape_str(p.value()));
      out.params.emplace_back(p.key(), src.to(torch::kFloat32));
      ++k;
    }
  }
  return out;
}

}  // namespace shortrun

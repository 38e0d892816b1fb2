// The file-type dispatching model loader (see model_loader.h).
#include "shortrun/model/model_loader.h"

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/torch_pickle.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/state_dict_import.h"
#include "shortrun/model/torchscript_guard.h"

namespace shortrun {

namespace {

std::optional<ModelCard> card_of_archive(const std::optional<std::string>& text, const std::string& path) {
  if (!text) return std::nullopt;
  try {
    return parse_model_card(*text);
  } catch (const Error& e) {
    throw file_error(path, std::string("extra file model_card.json: ") + e.what());
  }
}

}  // namespace

namespace {
// One policy for every format: a weight with NaN or Inf is refused, naming it.
void refuse_non_finite(const std::vector<std::pair<std::string, torch::Tensor>>& params, const std::string& path) {
  for (const auto& [name, t] : params)
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      throw file_error(path, "weight '" + name + "' contains NaN or Inf");
}
}  // namespace

std::unique_ptr<EnergyModel> load_energy_model(const std::string& path, torch::Device device,
                                               const ModelLoadOptions& options) {
  if (!file_exists(path)) throw file_error(path, "no such file");
  if (is_torchscript_archive(path)) {
    TorchScriptFile file = load_torchscript(path, options.trust_code, torch::kCPU);
    const std::optional<ModelCard> card = card_of_archive(file.model_card, path);
    auto model = std::make_unique<TorchScriptEnergyModel>(std::move(file.module), path, card, options);
    refuse_non_finite(model->named_parameters(), path);
    model->to(device);
    return model;
  }
  if (is_zip_archive(path) || lowercase_extension(path) == ".pth" || lowercase_extension(path) == ".pt") {
    ImportedNet net = import_state_dict(read_torch_state_dict(path), path);
    refuse_non_finite(net.params, path);
    auto model = std::make_unique<NativeEnergyModel>(net.arch);
    model->load_named_parameters(net.params, path);
    model->card().source = "state_dict:" + net.layout;
    model->card().provenance = {{"imported_from", path},
                                {"note", "architecture inferred from tensor shapes; activation assumed LeakyReLU(0.2)"}};
    model->to(device);
    return model;
  }
  return std::move(load_checkpoint(path, device).model);
}

}  // namespace shortrun

// Native .safetensors checkpoints with the model card in the metadata.
#include "shortrun/checkpoint.h"

#include "shortrun/error.h"
#include "shortrun/safetensors.h"

namespace shortrun {
namespace {
const char* kTrainPrefix = "train/";
}

void save_checkpoint(const std::string& path, const NativeEnergyModel& model, const NamedTensors& train_state) {
  NamedTensors tensors = model.named_parameters();
  for (const auto& [name, t] : train_state) tensors.emplace_back(kTrainPrefix + name, t);
  nlohmann::json card = model.card();
  write_safetensors(path, tensors, {{"format", "shortrun-checkpoint"}, {"shortrun", json_text(card)}});
}

LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device) {
  SafetensorsFile file = read_safetensors(path);
  auto it = file.metadata.find("shortrun");
  if (it == file.metadata.end())
    throw file_error(path, "safetensors file has no 'shortrun' metadata; expected a checkpoint written by shortrun "
                           "(use `shortrun convert` for PyTorch files)");
  ModelCard card;
  try {
    card = nlohmann::json::parse(it->second).get<ModelCard>();
  } catch (const Error& e) {
    throw file_error(path, std::string("invalid model card: ") + e.what());
  } catch (const std::exception& e) {
    throw file_error(path, "model card metadata is not valid JSON");
  }
  if (!card.arch) throw file_error(path, "model card has no architecture");
  LoadedCheckpoint out;
  out.model = std::make_unique<NativeEnergyModel>(*card.arch);
  NamedTensors weights;
  for (const auto& [name, t] : file.tensors) {
    if (name.rfind(kTrainPrefix, 0) == 0) {
      out.train_state.emplace_back(name.substr(std::string(kTrainPrefix).size()), t);
    } else {
      if (t.scalar_type() != torch::kFloat32)
        throw file_error(path, "weight '" + name + "' has dtype " + std::string(c10::toString(t.scalar_type())) +
                                   ", expected float32");
      if (!torch::isfinite(t).all().item<bool>()) throw file_error(path, "weight '" + name + "' contains NaN or Inf");
      weights.emplace_back(name, t);
    }
  }
  out.model->load_named_parameters(weights, path);
  ModelCard& model_card = out.model->card();
  model_card = card;
  out.model->to(device);
  return out;
}

}  // namespace shortrun

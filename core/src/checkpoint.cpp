// Native .safetensors checkpoints with the model card in the metadata.
#include "shortrun/checkpoint.h"

#include "shortrun/error.h"
#include "shortrun/safetensors.h"

namespace shortrun {
namespace {
const char* kTrainPrefix = "train/";

// How many weights the architecture has, without building it at its size (a card claiming
// n_f = 1024 would allocate gigabytes before the mismatch showed). Every layer's in x out is
// linear or quadratic in n_f, so the count is a quadratic in n_f: three tiny nets give it exactly.
int64_t architecture_weight_count(const ArchSpec& spec) {
  int64_t c[3];
  for (int64_t nf = 1; nf <= 3; ++nf) {
    ArchSpec tiny = spec;
    tiny.nf = nf;
    c[nf - 1] = NativeEnergyModel(tiny).parameter_count();
  }
  const int64_t a2 = c[2] - 2 * c[1] + c[0];  // 2A
  const int64_t b = c[1] - c[0] - 3 * a2 / 2, cst = c[0] - a2 / 2 - b;
  return a2 / 2 * spec.nf * spec.nf + b * spec.nf + cst;  // n_f is bounded by ArchSpec::validate
}
}  // namespace

void save_checkpoint(const std::string& path, const NativeEnergyModel& model, const NamedTensors& train_state) {
  NamedTensors tensors = model.named_parameters();
  for (const auto& [name, t] : train_state) tensors.emplace_back(kTrainPrefix + name, t);
  nlohmann::json card = model.card();
  write_safetensors(path, tensors, {{"format", "shortrun-checkpoint"}, {"shortrun", card.dump()}});
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
  int64_t file_weights = 0;
  for (const auto& [name, t] : file.tensors)
    if (name.rfind(kTrainPrefix, 0) != 0) file_weights += t.numel();
  // Building a net larger than the file's weights is what could take gigabytes; a smaller one
  // goes on to load_named_parameters, which names the first weight that does not fit.
  const int64_t arch_weights = architecture_weight_count(*card.arch);
  if (arch_weights > file_weights)
    throw file_error(path, "its model card describes " + card.arch->summary() + " with " + std::to_string(arch_weights) +
                               " weights, but the file holds " + std::to_string(file_weights));
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

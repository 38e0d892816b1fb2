// Native .safetensors checkpoints with the model card in the metadata, and a CRC-32 of every
// tensor's bytes ("crc32/NAME" metadata entries) so that a flipped bit is caught on load.
#include "shortrun/checkpoint.h"

#include <zlib.h>

#include <cstdio>

#include "shortrun/error.h"
#include "shortrun/file_checks.h"
#include "shortrun/safetensors.h"

namespace shortrun {
namespace {
const char* kTrainPrefix = "train/";
const std::string kChecksumPrefix = "crc32/";

// CRC-32 (zlib's) of a CPU contiguous tensor's bytes, as 8 lowercase hex digits.
std::string crc32_hex(const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  const auto* p = static_cast<const Bytef*>(t.data_ptr());
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, 1u << 30);
    crc = crc32(crc, p, static_cast<uInt>(chunk));
    p += chunk;
    n -= chunk;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx", static_cast<unsigned long>(crc & 0xffffffffUL));
  return buf;
}

// Checkpoints written since checksums were added carry one per tensor; older ones (the bundled
// models among them) carry none and load as before. A file with some must have all, and match.
void verify_checksums(const std::string& path, const SafetensorsFile& file) {
  size_t listed = 0;
  for (const auto& [key, value] : file.metadata)
    if (key.rfind(kChecksumPrefix, 0) == 0) ++listed;
  if (listed == 0) return;
  for (const auto& [name, t] : file.tensors) {
    const auto it = file.metadata.find(kChecksumPrefix + name);
    if (it == file.metadata.end())
      throw file_error(path, "tensor '" + clip(name) + "' has no checksum although the file's other tensors do: the file was altered");
    const std::string have = crc32_hex(t);
    if (have != it->second)
      throw file_error(path, "tensor '" + clip(name) + "' fails its checksum (CRC-32 stored " + clip(it->second, 16) + ", computed " +
                                 have + "): the file is corrupt");
  }
  if (listed != file.tensors.size())
    throw file_error(path, "lists checksums of " + std::to_string(listed) + " tensors but holds " + std::to_string(file.tensors.size()) +
                               ": the file was altered");
}
}  // namespace

void save_checkpoint(const std::string& path, const NativeEnergyModel& model, const NamedTensors& train_state) {
  NamedTensors tensors = model.named_parameters();
  for (const auto& [name, t] : train_state) tensors.emplace_back(kTrainPrefix + name, t);
  nlohmann::json card = model.card();
  std::map<std::string, std::string> metadata = {{"format", "shortrun-checkpoint"}, {"shortrun", card.dump()}};
  for (const auto& [name, t] : tensors) metadata[kChecksumPrefix + name] = crc32_hex(t);
  write_safetensors(path, tensors, metadata);
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
  verify_checksums(path, file);  // after the checks that name what is wrong with a value
  ModelCard& model_card = out.model->card();
  model_card = card;
  out.model->to(device);
  return out;
}

}  // namespace shortrun

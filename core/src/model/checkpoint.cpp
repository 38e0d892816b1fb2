// Native .safetensors checkpoints with the model card in the metadata, and a CRC-32 of every
// tensor's bytes ("crc32/NAME" metadata entries) so that a flipped bit is caught on load.
#include "shortrun/model/checkpoint.h"

#include <zlib.h>

#include <cstdio>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/safetensors.h"

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

const std::string kChecksumPrefix = "crc32/";

// zlib's CRC-32 of a tensor's bytes, continuing from `crc`.
uLong crc32_of(uLong crc, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  const auto* p = static_cast<const Bytef*>(t.data_ptr());
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, 1u << 30);
    crc = crc32(crc, p, static_cast<uInt>(chunk));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

// CRC-32 (zlib's) of a CPU contiguous tensor's bytes, as 8 lowercase hex digits.
std::string crc32_hex(const torch::Tensor& tensor) {
  const uLong crc = crc32_of(crc32(0L, Z_NULL, 0), tensor);
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
  std::map<std::string, std::string> metadata = {{"format", "shortrun-checkpoint"}, {"shortrun", json_text(card)}};
  for (const auto& [name, t] : tensors) metadata[kChecksumPrefix + name] = crc32_hex(t);
  write_safetensors(path, tensors, metadata);
}

LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device) {
  SafetensorsFile file = read_safetensors(path);
  // A VAE or GAN of `shortrun train --model vae|gan` (baselines/baseline_checkpoint.h) has no f(x).
  if (const auto b = file.metadata.find("shortrun_baseline"); b != file.metadata.end()) {
    const nlohmann::json card = nlohmann::json::parse(b->second, nullptr, false);
    const std::string kind = card.is_object() && card.contains("kind") && card["kind"].is_string() ? card["kind"].get<std::string>() : "";
    throw file_error(path, "holds a " + std::string(kind == "gan" ? "GAN" : kind == "vae" ? "VAE" : "VAE/GAN") +
                               " baseline (a generator of `shortrun train --model " + (kind.empty() ? "vae|gan" : kind) +
                               "`), not an energy model; this command needs an EBM checkpoint");
  }
  auto it = file.metadata.find("shortrun");
  if (it == file.metadata.end())
    throw file_error(path, "safetensors file has no 'shortrun' metadata; expected a checkpoint written by shortrun "
                           "(use `shortrun convert` for PyTorch files)");
  ModelCard card;
  try {
    card = parse_model_card(it->second);
  } catch (const Error& e) {
    throw file_error(path, std::string("invalid model card: ") + e.what());
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
  verify_checksums(path, file);  // after the checks that name what is wrong with a value
  ModelCard& model_card = out.model->card();
  model_card = card;
  out.model->to(device);
  return out;
}

int64_t tensors_crc32(const NamedTensors& tensors) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const auto& [name, t] : tensors) crc = crc32_of(crc, t);
  return static_cast<int64_t>(crc & 0xffffffffUL);
}

}  // namespace shortrun

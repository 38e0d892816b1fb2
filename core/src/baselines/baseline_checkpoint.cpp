// Baseline checkpoints (see baseline_checkpoint.h).
#include "shortrun/baselines/baseline_checkpoint.h"

#include <zlib.h>

#include <cstdio>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/safetensors.h"

namespace shortrun {
namespace {
const std::string kTrainPrefix = "train/", kCrcPrefix = "crc32/";

std::string crc32_of(const torch::Tensor& tensor) {
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
}  // namespace

void save_baseline_checkpoint(const std::string& path, const BaselineModel& model, const NamedTensors& train_state) {
  NamedTensors tensors;
  for (const auto& [name, t] : model.named_tensors()) tensors.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
  for (const auto& [name, t] : train_state) tensors.emplace_back(kTrainPrefix + name, t.detach().to(torch::kCPU).contiguous());
  std::map<std::string, std::string> metadata = {{"format", "shortrun-baseline"}, {kBaselineMetadataKey, json_text(model.card())}};
  for (const auto& [name, t] : tensors) metadata[kCrcPrefix + name] = crc32_of(t);
  write_safetensors(path, tensors, metadata);
}

LoadedBaseline load_baseline_checkpoint(const std::string& path, torch::Device device) {
  if (!file_exists(path)) throw file_error(path, "no such file");
  const SafetensorsFile file = read_safetensors(path);
  const auto it = file.metadata.find(kBaselineMetadataKey);
  if (it == file.metadata.end()) {
    if (file.metadata.count("shortrun"))
      throw file_error(path, "holds an energy model (an EBM checkpoint), not a VAE or GAN baseline; use it with `shortrun sample`, "
                             "or give a checkpoint of `shortrun train --model vae|gan`");
    if (file.metadata.count("shortrun_toy2d"))
      throw file_error(path, "holds a 2-D playground model, not a VAE or GAN baseline");
    throw file_error(path, "has no 'shortrun_baseline' metadata; expected a VAE or GAN checkpoint of `shortrun train --model vae|gan`");
  }
  BaselineSpec spec;
  nlohmann::json provenance = nlohmann::json::object();
  try {
    const nlohmann::json card = nlohmann::json::parse(it->second);
    if (!card.is_object() || !card.contains("arch")) throw Error("no architecture ('arch')");
    if (json_get(card, "format_version", int64_t(1)) != 1) throw Error("format_version is not 1");
    spec = card.at("arch").get<BaselineSpec>();
    if (card.contains("provenance") && card["provenance"].is_object()) provenance = card["provenance"];
  } catch (const Error& e) {
    throw file_error(path, std::string("invalid baseline card: ") + e.what());
  } catch (const std::exception&) {
    throw file_error(path, "invalid baseline card: not valid JSON");
  }
  LoadedBaseline out;
  out.model = std::make_unique<BaselineModel>(spec);
  out.model->provenance() = provenance;
  NamedTensors weights;
  for (const auto& [name, t] : file.tensors) {
    if (name.rfind(kTrainPrefix, 0) == 0) out.train_state.emplace_back(name.substr(kTrainPrefix.size()), t);
    else weights.emplace_back(name, t);
  }
  out.model->load_named_tensors(weights, path);
  size_t listed = 0;
  for (const auto& [key, value] : file.metadata) listed += key.rfind(kCrcPrefix, 0) == 0;
  for (const auto& [name, t] : file.tensors) {
    const auto c = file.metadata.find(kCrcPrefix + name);
    if (c == file.metadata.end()) throw file_error(path, "tensor '" + clip(name) + "' has no checksum: the file was altered");
    if (c->second != crc32_of(t)) throw file_error(path, "tensor '" + clip(name) + "' fails its checksum: the file is corrupt");
  }
  if (listed != file.tensors.size()) throw file_error(path, "lists more checksums than it holds tensors: the file was altered");
  out.model->to(device);
  return out;
}

bool is_baseline_file(const std::string& path) {
  if (lowercase_extension(path) != ".safetensors") return false;
  try {
    return read_safetensors(path).metadata.count(kBaselineMetadataKey) > 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace shortrun

// Telling a checkpoint from the other .safetensors files a user meets (the FD feature net, a 2-D
// playground model) by their header's metadata, without loading any tensor (see file_kinds.h).
#include "views/file_kinds.h"

#include <cstdint>
#include <fstream>

#include <nlohmann/json.hpp>

namespace shortrun::explorer {

SafetensorsRole safetensors_role(const std::string& path) {
  if (lowercase_extension(path) != ".safetensors") return SafetensorsRole::kUnknown;
  std::ifstream in(path, std::ios::binary);
  unsigned char len_bytes[8];
  if (!in.read(reinterpret_cast<char*>(len_bytes), 8)) return SafetensorsRole::kUnknown;
  uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
  if (len == 0 || len > (uint64_t(1) << 20)) return SafetensorsRole::kUnknown;
  std::string header(size_t(len), '\0');
  if (!in.read(header.data(), std::streamsize(len))) return SafetensorsRole::kUnknown;
  const nlohmann::json j = nlohmann::json::parse(header, nullptr, false);
  if (!j.is_object() || !j.contains("__metadata__") || !j["__metadata__"].is_object()) return SafetensorsRole::kUnknown;
  const nlohmann::json& meta = j["__metadata__"];
  if (meta.contains("shortrun_features")) return SafetensorsRole::kFeatureNet;
  if (meta.contains("shortrun_toy2d")) return SafetensorsRole::kToy2d;
  if (meta.contains("shortrun")) return SafetensorsRole::kCheckpoint;
  return SafetensorsRole::kUnknown;
}

std::string not_a_model_reason(const std::string& path) {
  switch (safetensors_role(path)) {
    case SafetensorsRole::kFeatureNet:
      return path + ": this is the feature network that scores FD (shortrun eval, the Training tab's evaluation), "
                    "not an energy model; load a checkpoint (e.g. a run's checkpoints/latest.safetensors)";
    case SafetensorsRole::kToy2d:
      return path + ": this is a 2-D playground model (points, not images): the 2-D tab trains and shows those";
    default: return "";
  }
}

std::string model_file_note(const std::string& path) {
  switch (safetensors_role(path)) {
    case SafetensorsRole::kFeatureNet: return "FD feature net, not a model";
    case SafetensorsRole::kToy2d: return "2-D playground model: opens in the 2-D tab";
    default: return "";
  }
}

}  // namespace shortrun::explorer

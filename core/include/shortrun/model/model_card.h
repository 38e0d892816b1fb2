// ModelCard: what a model file says about its model (data shape, value range, architecture,
// sampler defaults, provenance), as JSON in a checkpoint's metadata or a TorchScript archive's
// model_card.json. Parsed here alone, with no net or loader, so that it can be fuzzed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/model/arch.h"
#include "shortrun/model/sampler_config.h"

namespace shortrun {

struct DataShape {
  // One image of at most 2^24 values (64 MiB as float32): a batch of two is made from it to probe
  // a module, so a card or --input-shape cannot ask for terabytes.
  static constexpr int64_t kMaxDim = 65536, kMaxNumel = int64_t{1} << 24;
  int64_t channels = 1, height = 32, width = 32;
  std::vector<int64_t> chw() const { return {channels, height, width}; }
  int64_t numel() const { return channels * height * width; }
  std::string str() const;
  void validate() const;  // throws Error unless every dimension is 1..kMaxDim and numel <= kMaxNumel
};

struct ModelCard {
  static constexpr int kFormatVersion = 1;
  std::string source = "native";       // native | torchscript | state_dict:<layout>
  std::optional<ArchSpec> arch;        // set for native nets
  DataShape shape;
  double value_min = -1.0, value_max = 1.0;  // finite, min < max
  SamplerConfig sampler;               // the sampler defaults this model was trained with
  nlohmann::json provenance = nlohmann::json::object();  // how it was made
};
void to_json(nlohmann::json& j, const ModelCard& c);
void from_json(const nlohmann::json& j, ModelCard& c);  // throws Error (and only Error) when invalid

// A card from its JSON text; throws Error saying what is wrong (not valid JSON, or which field).
ModelCard parse_model_card(const std::string& text);

}  // namespace shortrun

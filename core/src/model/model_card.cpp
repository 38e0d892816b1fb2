// The model card's JSON: every field checked for type and range before use (see model_card.h).
#include "shortrun/model/model_card.h"

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"

namespace shortrun {

std::string DataShape::str() const {
  return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width);
}

void DataShape::validate() const {
  for (int64_t d : {channels, height, width})
    if (d < 1 || d > kMaxDim)
      throw Error("data shape " + str() + ": each dimension must be 1.." + std::to_string(kMaxDim));
  if (numel() > kMaxNumel)
    throw Error("data shape " + str() + " has " + std::to_string(numel()) + " values per image; at most " +
                std::to_string(kMaxNumel) + " are supported");
}

void to_json(nlohmann::json& j, const ModelCard& c) {
  j = {{"format_version", ModelCard::kFormatVersion},
       {"source", c.source},
       {"data", {{"channels", c.shape.channels}, {"height", c.shape.height}, {"width", c.shape.width},
                 {"value_range", {c.value_min, c.value_max}}}},
       {"sampler", c.sampler},
       {"provenance", c.provenance}};
  if (c.arch) j["arch"] = *c.arch;
}

void from_json(const nlohmann::json& j, ModelCard& c) {
  if (!j.is_object()) throw Error("model card is not a JSON object");
  const int64_t version = json_int(j, "format_version", 0, INT64_MIN, INT64_MAX);
  if (version < 1 || version > ModelCard::kFormatVersion)
    throw Error("format_version " + std::to_string(version) + " is not supported (this build reads 1.." +
                std::to_string(ModelCard::kFormatVersion) + ")");
  c.source = json_string(j, "source", "native");
  c.arch.reset();
  if (j.contains("arch")) c.arch = j.at("arch").get<ArchSpec>();
  if (!j.contains("data") || !j.at("data").is_object()) throw Error("model card has no 'data' object");
  const auto& d = j.at("data");
  for (const char* key : {"channels", "height", "width"})
    if (!d.contains(key)) throw Error(std::string("model card's data has no '") + key + "'");
  c.shape.channels = json_int(d, "channels", 0, 1, DataShape::kMaxDim);
  c.shape.height = json_int(d, "height", 0, 1, DataShape::kMaxDim);
  c.shape.width = json_int(d, "width", 0, 1, DataShape::kMaxDim);
  c.shape.validate();
  c.value_min = -1.0, c.value_max = 1.0;
  if (d.contains("value_range")) {
    const auto& r = d.at("value_range");
    if (!r.is_array() || r.size() != 2) throw Error("value_range: expected [min, max]");
    c.value_min = json_finite_value(r[0], "value_range[0]");
    c.value_max = json_finite_value(r[1], "value_range[1]");
    if (!(c.value_min < c.value_max)) throw Error("value_range: min must be below max");
  }
  if (c.arch && (c.arch->channels != c.shape.channels || c.arch->image_size != c.shape.height ||
                 c.arch->image_size != c.shape.width))
    throw Error("data shape " + c.shape.str() + " does not match the architecture (" + c.arch->summary() + ")");
  c.sampler = SamplerConfig{};
  if (j.contains("sampler")) c.sampler = j.at("sampler").get<SamplerConfig>();
  c.provenance = nlohmann::json::object();
  if (j.contains("provenance")) {
    if (!j.at("provenance").is_object()) throw Error("provenance: expected a JSON object");
    c.provenance = j.at("provenance");
  }
}

ModelCard parse_model_card(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception&) {
    throw Error("the model card is not valid JSON");
  }
  // nlohmann's own exceptions cannot escape: every field is read through json_fields.h.
  return j.get<ModelCard>();
}

}  // namespace shortrun

// Reading a 2-D playground model file (see toy_model.h).
#include "toy_model.h"

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/safetensors.h"

namespace shortrun::cli {

bool is_toy_model_file(const std::string& path) {
  if (lowercase_extension(path) != ".safetensors") return false;
  try {
    return read_safetensors(path).metadata.count("shortrun_toy2d") > 0;
  } catch (const std::exception&) {
    return false;
  }
}

std::unique_ptr<Toy2dTrainer> load_toy_model(const std::string& path, ToyModelFile* info) {
  const SafetensorsFile file = read_safetensors(path);
  const auto meta = file.metadata.find("shortrun_toy2d");
  if (meta == file.metadata.end()) throw Error(path + ": not a 2-D playground model (no 'shortrun_toy2d' metadata)");
  ToyModelFile f;
  f.path = path;
  try {
    const nlohmann::json j = nlohmann::json::parse(meta->second);
    f.config = j.at("config").get<Toy2dConfig>();
    f.settings = j.at("settings").get<Toy2dSettings>();
    f.iteration = json_get(j, "iteration", int64_t(0));
  } catch (const std::exception& e) {
    throw Error(path + ": the 2-D playground metadata is damaged (" + e.what() + ")");
  }
  auto trainer = std::make_unique<Toy2dTrainer>(f.config, f.settings);
  torch::NoGradGuard no_grad;
  for (auto& p : trainer->energy()->named_parameters()) {
    const torch::Tensor* t = file.find(p.key());
    if (!t) throw Error(path + ": the 2-D playground model has no tensor '" + p.key() + "'");
    if (!t->sizes().equals(p.value().sizes()))
      throw Error(path + ": tensor '" + p.key() + "' has the wrong shape for a 2-" + std::to_string(f.config.hidden) + "-" +
                  std::to_string(f.config.hidden) + "-1 MLP");
    p.value().copy_(t->to(torch::kFloat32));
    f.parameters += p.value().numel();
  }
  if (info) *info = f;
  return trainer;
}

nlohmann::json toy_model_json(const ToyModelFile& f) {
  return {{"file", f.path},
          {"kind", "toy2d"},
          {"source", "2-D playground model"},
          {"config", f.config},
          {"settings", f.settings},
          {"iteration", f.iteration},
          {"parameters", f.parameters}};
}

}  // namespace shortrun::cli

// A 2-D playground model file: the model.safetensors of `shortrun train --data toy:...` or of the
// explorer's 2-D tab export (metadata "shortrun_toy2d"). `info` describes one and `sample` draws
// its points, instead of refusing it as a checkpoint without "shortrun" metadata.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "shortrun/toy2d/toy2d_trainer.h"

namespace shortrun::cli {

struct ToyModelFile {
  std::string path;
  Toy2dConfig config;
  Toy2dSettings settings;
  int64_t iteration = 0;
  int64_t parameters = 0;
};

// True when `path` is a .safetensors file whose metadata says it is a 2-D playground model (an
// unreadable file is not: the checkpoint loader then gives its own error).
bool is_toy_model_file(const std::string& path);
// Its settings and weights: a trainer holding the file's MLP (throws shortrun::Error naming the file).
std::unique_ptr<Toy2dTrainer> load_toy_model(const std::string& path, ToyModelFile* info);
nlohmann::json toy_model_json(const ToyModelFile& info);

}  // namespace shortrun::cli

// Which weights a command loads: a checkpoint X.safetensors may have EMA weights beside it
// (X.ema.safetensors, written by `train --ema`); `sample` and `eval` take them when present
// unless told `--weights raw`.
#pragma once
#include <string>

namespace shortrun {

// X.safetensors -> X.<what>.safetensors (a file saved with checkpoint X: "ema", "buffer").
std::string companion_path(const std::string& weights_path, const std::string& what);
// Whether the path names EMA weights itself (X.ema.safetensors).
bool is_ema_path(const std::string& path);

struct WeightsChoice {
  std::string path;  // the file to load
  bool ema = false;  // whether it holds EMA weights
};
// which: "auto" (EMA when present), "raw" or "ema" (throws Error naming the file when there are
// none). A path that is itself EMA weights is taken as it is.
WeightsChoice choose_weights(const std::string& path, const std::string& which);

}  // namespace shortrun

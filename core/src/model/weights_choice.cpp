// Companion files of a checkpoint and the raw/EMA choice of `sample` and `eval`.
#include "shortrun/model/weights_choice.h"

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

namespace shortrun {
namespace {
const std::string kExt = ".safetensors";
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

std::string companion_path(const std::string& weights_path, const std::string& what) {
  const std::string stem = ends_with(weights_path, kExt) ? weights_path.substr(0, weights_path.size() - kExt.size()) : weights_path;
  return stem + "." + what + kExt;
}

bool is_ema_path(const std::string& path) { return ends_with(path, ".ema" + kExt); }

WeightsChoice choose_weights(const std::string& path, const std::string& which) {
  if (which != "auto" && which != "raw" && which != "ema") throw Error("--weights must be raw or ema, got '" + which + "'");
  if (is_ema_path(path)) {
    if (which == "raw")
      throw file_error(path, "holds EMA weights; for the raw weights give the checkpoint it was saved beside (without .ema)");
    return {path, true};
  }
  const std::string ema = companion_path(path, "ema");
  if (which == "raw") return {path, false};
  if (file_exists(ema)) return {ema, true};
  if (which == "ema")
    throw file_error(path, "has no EMA weights beside it (expected " + ema + ", written by train --ema)");
  return {path, false};
}

}  // namespace shortrun

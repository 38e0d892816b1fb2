// pick_weights (weights_pick.h), on core's companion-file names (model/weights_choice.h).
#include "worker/weights_pick.h"

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/model/weights_choice.h"

namespace shortrun::explorer {

WeightsPick pick_weights(const std::string& path, const std::string& which) {
  if (which != "auto" && which != "raw" && which != "ema") throw Error("weights must be raw or ema, got '" + which + "'");
  WeightsPick w;
  if (is_ema_path(path)) {
    const std::string tail = ".ema.safetensors";
    const std::string raw = path.substr(0, path.size() - tail.size()) + ".safetensors";
    w.ema = path;
    w.raw = file_exists(raw) ? raw : "";
  } else {
    w.raw = path;
    const std::string ema = companion_path(path, "ema");
    w.ema = file_exists(ema) ? ema : "";
  }
  if (which == "raw") {
    if (w.raw.empty()) throw file_error(path, "holds EMA weights and no raw checkpoint is beside it (expected " +
                                                  path.substr(0, path.size() - 16) + ".safetensors)");
    w.load = w.raw;
  } else if (which == "ema") {
    if (w.ema.empty()) throw file_error(path, "has no EMA weights beside it (expected " + companion_path(path, "ema") +
                                                  ", written by train --ema)");
    w.load = w.ema;
  } else {
    w.load = w.ema.empty() ? w.raw : w.ema;
  }
  w.uses_ema = w.load == w.ema;
  return w;
}

}  // namespace shortrun::explorer

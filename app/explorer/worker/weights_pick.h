// Which weights the explorer loads for a model path: a checkpoint X.safetensors may have EMA
// weights beside it (X.ema.safetensors, from `train --ema`); like `shortrun sample` and `eval`,
// the explorer takes them unless told "raw", and the Model panel switches between the two.
#pragma once
#include <string>

namespace shortrun::explorer {

struct WeightsPick {
  std::string load;        // the file loaded
  std::string raw;         // the checkpoint's own weights ("" when only the EMA file is there)
  std::string ema;         // its EMA weights ("" when there are none)
  bool uses_ema = false;   // load == ema
  std::string which() const { return uses_ema ? "ema" : "raw"; }
  bool has_choice() const { return !raw.empty() && !ema.empty(); }
};

// which: "auto" (EMA when present), "raw" or "ema". A path naming X.ema.safetensors stands for
// the pair (raw = X.safetensors when it exists). Throws shortrun::Error naming the file when the
// weights asked for are not there. Only looks at which files exist (cheap).
WeightsPick pick_weights(const std::string& path, const std::string& which);

// What a reproducing `shortrun sample` line needs for these weights: " --weights raw" for the raw
// weights of a checkpoint with EMA weights beside it (sample would take those), else "" (an EMA
// file is named as the model itself).
inline std::string weights_flag(const WeightsPick& w) { return !w.uses_ema && !w.ema.empty() ? " --weights raw" : ""; }

}  // namespace shortrun::explorer

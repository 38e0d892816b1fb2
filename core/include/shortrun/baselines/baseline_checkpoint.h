// Baseline checkpoints: a .safetensors file whose metadata "shortrun_baseline" holds the
// baseline's card (kind, spec, provenance) as JSON, with a CRC-32 of every tensor; weights and
// BatchNorm statistics under their names, training state under "train/...". Kept apart from the
// energy models' "shortrun" metadata, so neither loader mistakes one for the other.
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

#include "shortrun/baselines/baseline_model.h"
#include "shortrun/io/torch_pickle.h"

namespace shortrun {

// The metadata key that marks a baseline checkpoint.
inline constexpr const char* kBaselineMetadataKey = "shortrun_baseline";

struct LoadedBaseline {
  std::unique_ptr<BaselineModel> model;
  NamedTensors train_state;  // "train/..." tensors, names without the prefix
};

// Written to a temp file and renamed.
void save_baseline_checkpoint(const std::string& path, const BaselineModel& model, const NamedTensors& train_state = {});

// Validates the card, every tensor and the checksums. A file that holds something else (an
// energy model's checkpoint, a 2-D playground model) is refused with one line saying what it holds.
LoadedBaseline load_baseline_checkpoint(const std::string& path, torch::Device device);

// Whether `path` is a .safetensors file with baseline metadata (false for anything unreadable).
bool is_baseline_file(const std::string& path);

}  // namespace shortrun

// Native checkpoints: a .safetensors file whose __metadata__ holds the model card as JSON
// (format version, architecture, data shape and range, sampler defaults, provenance).
// Weights are stored under their module names; training state under "train/...".
#pragma once
#include <memory>
#include <string>

#include "shortrun/io/torch_pickle.h"
#include "shortrun/model/energy_model.h"

namespace shortrun {

struct LoadedCheckpoint {
  std::unique_ptr<NativeEnergyModel> model;
  NamedTensors train_state;  // "train/..." tensors (optimizer moments, counters), names without the prefix
};

// Written to a temp file and renamed: a crash never leaves a partial checkpoint in place.
void save_checkpoint(const std::string& path, const NativeEnergyModel& model, const NamedTensors& train_state = {});

// Validates the metadata, the architecture and every tensor's name, shape and dtype.
LoadedCheckpoint load_checkpoint(const std::string& path, torch::Device device);

// zlib's CRC-32 over the tensors' bytes in order: the digest by which a checkpoint knows the
// companion files saved with it (its EMA weights, its replay buffer).
int64_t tensors_crc32(const NamedTensors& tensors);

}  // namespace shortrun

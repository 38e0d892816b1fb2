// load_energy_model: the one entry point from a model file of any supported kind to an
// EnergyModel (it dispatches on the file's type to the checkpoint, TorchScript and state_dict
// readers, which sit beside EnergyModel, not under it).
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

#include "shortrun/model/energy_model.h"

namespace shortrun {

// Loads any supported file: .safetensors (native), TorchScript archive, torch.save state_dict.
// Everything is validated before use; errors name the file and what was expected. A TorchScript
// module is checked against the operator allowlist before any of its code runs (unless
// options.trust_code).
std::unique_ptr<EnergyModel> load_energy_model(const std::string& path, torch::Device device,
                                               const ModelLoadOptions& options = {});

}  // namespace shortrun

// Reads PyTorch's torch.save zip archives of a state_dict with a restricted unpickler: only
// the handful of globals a state_dict needs (OrderedDict, _rebuild_tensor_v2,
// _rebuild_parameter, typed storages) are accepted, and nothing from the file is executed —
// the idea of PyTorch's weights_only loading. LibTorch 1.13's pickle_load rejects the
// OrderedDict-with-_metadata that every real torch.save(model.state_dict()) writes.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace shortrun {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Tensors of the archive's top-level dict, in file order (CPU, contiguous).
// Nested dicts (e.g. {"model": state_dict}) are flattened with '.'-joined keys.
NamedTensors read_torch_state_dict(const std::string& path);

// True if the file is a zip archive (torch.save >= 1.6, or torch.jit.save).
bool is_zip_archive(const std::string& path);
// True if the zip archive is a TorchScript module (has constants.pkl / code/).
bool is_torchscript_archive(const std::string& path);

}  // namespace shortrun

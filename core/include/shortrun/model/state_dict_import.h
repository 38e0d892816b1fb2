// Maps a PyTorch state_dict from the paper's reference code onto the native ConvNet,
// inferring the architecture from tensor shapes. Layouts understood:
//   minimal script's F (f.0.weight ... f.8.bias), mixed-precision script's F (conv0 ... conv4),
//   a bare nn.Sequential (0.weight ...); an optional "module." (DataParallel) prefix.
#pragma once
#include <string>

#include "shortrun/io/torch_pickle.h"
#include "shortrun/model/arch.h"

namespace shortrun {

struct ImportedNet {
  std::string layout;  // "minimal", "mixed-precision", "sequential"
  ArchSpec arch;
  NamedTensors params;  // renamed to the native net's names (f.0.weight ...)
};

// origin: the file name, for error messages.
ImportedNet import_state_dict(const NamedTensors& tensors, const std::string& origin);

}  // namespace shortrun

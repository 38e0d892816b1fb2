// NumPy .npy float32 arrays: read (float32 or float64, C order) and write (float32).
#pragma once
#include <string>

#include <torch/torch.h>

namespace shortrun {

torch::Tensor read_npy(const std::string& path);              // float32 CPU tensor
void write_npy(const std::string& path, const torch::Tensor& t);  // any float tensor, stored as <f4

}  // namespace shortrun

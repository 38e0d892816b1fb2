// NumPy .npy float32 arrays: read (float32 or float64, C order) and write (float32).
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

namespace shortrun {

// The header of a .npy file: a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};
// Parses the header text (after the length field) without regexes; throws Error saying what is
// wrong (no file name: read_npy adds it). Shape entries must fit int64 and their product too.
NpyHeader parse_npy_header(const std::string& text);

torch::Tensor read_npy(const std::string& path);              // float32 CPU tensor
void write_npy(const std::string& path, const torch::Tensor& t);  // any float tensor, stored as <f4
// The bytes before the data of a little-endian float32 NPY v1.0 file of this shape (for files
// written piece by piece).
std::string npy_preamble(const std::vector<int64_t>& shape);

}  // namespace shortrun

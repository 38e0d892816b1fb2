// Minimal reader/writer for the .safetensors container: an 8-byte little-endian header
// length, a JSON header (name -> dtype, shape, data_offsets; optional __metadata__), raw data.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace shortrun {

struct SafetensorsFile {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;  // in file order, CPU, contiguous
  std::map<std::string, std::string> metadata;                 // the __metadata__ block

  const torch::Tensor* find(const std::string& name) const;
};

// Reads and validates everything (header size, JSON, dtypes, shapes vs byte ranges).
// Throws shortrun::Error naming the file and what was expected.
SafetensorsFile read_safetensors(const std::string& path);

// Writes to "<path>.tmp" and renames, so an existing file is replaced only by a complete one.
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace shortrun

// Mask presets through core's make_mask (the same function the CLI's --mask uses).
#include "views/reconstruct/mask_presets.h"

#include <cstdio>

#include <torch/torch.h>

#include "shortrun/analysis/reconstruction.h"

namespace shortrun::explorer {

std::vector<float> preset_mask(const std::string& spec, int height, int width, uint64_t seed) {
  const torch::Tensor m = make_mask(spec, height, width, seed).reshape({-1}).contiguous().to(torch::kFloat32);
  return std::vector<float>(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
}

std::string random_mask_spec(float p) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "random:%.3g", double(p));
  return buf;
}

}  // namespace shortrun::explorer

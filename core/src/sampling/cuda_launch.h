// Torch-facing launchers of the CUDA kernels (cuda/*.cu); without SHORTRUN_WITH_CUDA they
// throw, and the callers only reach them for CUDA tensors.
#pragma once
#include <cstdint>

#include <torch/torch.h>

#include "shortrun/sampling/langevin_update.h"

namespace shortrun {

// kind: 0 uniform (0,1), 1 normal, 2 raw words as int64.
void launch_noise_fill(torch::Tensor& out, const torch::Tensor& chains, uint64_t seed, uint32_t step, uint32_t stream,
                       int kind);
void launch_langevin_update(torch::Tensor& x, const torch::Tensor& g, const langevin::StepParams& p,
                            const LangevinNoise& noise, torch::Tensor& alive, torch::Tensor* delta);

}  // namespace shortrun

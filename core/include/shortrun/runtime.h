// Process-wide runtime settings: intra-op threads and device selection.
#pragma once
#include <string>

#include <torch/torch.h>

namespace shortrun {

// n <= 0: OMP_NUM_THREADS if set, else one thread per hardware core (Debian's torch
// defaults to a single thread).
// Returns the number set.
int set_threads(int n);

// "cpu" | "cuda" | "cuda:N" | "auto" (CUDA when available). Throws shortrun::Error if CUDA is
// asked for but not available in this build or machine.
torch::Device parse_device(const std::string& name);

std::string torch_version();

// Strict float32 on CUDA (no TF32) and deterministic cuDNN; parse_device calls it when it
// returns a CUDA device.
void configure_cuda_numerics();

}  // namespace shortrun

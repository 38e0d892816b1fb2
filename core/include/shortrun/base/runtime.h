// Process-wide runtime settings: intra-op threads and device selection.
#pragma once
#include <string>

#include <torch/torch.h>

namespace shortrun {

// n <= 0: OMP_NUM_THREADS if set, else one thread per available core (Debian's torch
// defaults to a single thread). Capped at max_threads(). Returns the number set.
// Linked into a program, this file also makes OpenMP's idle threads sleep instead of spin:
// before any library starts, the process re-executes itself once with OMP_WAIT_POLICY=PASSIVE
// unless the environment already sets a wait policy (see runtime.cpp).
int set_threads(int n);

int available_cores();  // cores this process may run on (its CPU affinity)
int max_threads();      // 4 x available_cores(): more threads only add overhead

// "cpu" | "cuda" | "cuda:N" | "auto" (CUDA when available). Throws shortrun::Error if CUDA is
// asked for but not available in this build or machine.
torch::Device parse_device(const std::string& name);

std::string torch_version();

// Strict float32 on CUDA (no TF32) and deterministic cuDNN; parse_device calls it when it
// returns a CUDA device.
void configure_cuda_numerics();

}  // namespace shortrun

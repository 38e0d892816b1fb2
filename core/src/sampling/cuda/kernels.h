// Plain-C interface of the CUDA kernels (no torch types), so the .cu files compile with nvcc
// alone: Philox noise fills and the fused Langevin update. Implemented in *.cu.
#pragma once
#include <cstdint>

#include "shortrun/sampling/langevin_math.h"

namespace shortrun::cuda {

enum class NoiseKind { kUniform01, kNormal, kBits };

struct NoiseFillArgs {
  NoiseKind kind = NoiseKind::kUniform01;
  void* out = nullptr;              // float [n, count], or int64 [n, count] for kBits
  const int64_t* chains = nullptr;  // [n], device
  int64_t n = 0, count = 0;
  uint64_t seed = 0;
  uint32_t step = 0, stream = 0;
};

struct LangevinArgs {
  float* x = nullptr;               // [n, d], updated in place
  const float* g = nullptr;         // ∇f(x) [n, d]
  const float* u = nullptr;         // given noise [n, d], or null: Philox noise of `chains`
  float* delta = nullptr;           // x_{k+1} − x_k [n, d], or null
  bool* alive = nullptr;            // [n], cleared for chains that turn non-finite
  const int64_t* chains = nullptr;  // [n]
  const int64_t* step_on_device = nullptr;  // when set, the step is read here (CUDA graphs)
  int64_t step = 0;
  uint64_t seed = 0;
  uint32_t stream = langevin::kLangevin;
  int64_t n = 0, d = 0;
  langevin::StepParams p;
};

// Both launch on `stream` (a cudaStream_t) and return cudaGetLastError() as an int.
int noise_fill(const NoiseFillArgs& a, void* stream);
int langevin_update(const LangevinArgs& a, void* stream);

}  // namespace shortrun::cuda

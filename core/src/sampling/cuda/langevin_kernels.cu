// The fused Langevin update: one block per chain. Pass 1 computes every y = x + s·g + σ·u
// (noise generated in place from Philox) and whether all are finite; pass 2 recomputes and
// commits them, or freezes the chain. Same per-element function as the CPU loop.
#include <cuda_runtime.h>

#include "kernels.h"

namespace shortrun::cuda {
namespace {

__device__ __forceinline__ float noise_of(const LangevinArgs& a, int64_t row, uint32_t step, int64_t j) {
  if (!a.p.noisy) return 0.f;
  if (a.u) return a.u[row * a.d + j];
  return philox::normal_at(a.seed, static_cast<uint64_t>(a.chains[row]), step, a.stream, static_cast<uint32_t>(j));
}

__global__ void update_kernel(LangevinArgs a) {
  const int64_t row = blockIdx.x;
  const uint32_t step = static_cast<uint32_t>(a.step_on_device ? *a.step_on_device : a.step);
  float* x = a.x + row * a.d;
  const float* g = a.g + row * a.d;
  int ok = 1;
  for (int64_t j = threadIdx.x; j < a.d; j += blockDim.x)
    ok &= langevin::finite(langevin::step_element<float>(x[j], g[j], noise_of(a, row, step, j), a.p));
  const bool commit = __syncthreads_and(ok) && a.alive[row];
  float* delta = a.delta ? a.delta + row * a.d : nullptr;
  for (int64_t j = threadIdx.x; j < a.d; j += blockDim.x) {
    if (commit) {
      const float y = langevin::step_element<float>(x[j], g[j], noise_of(a, row, step, j), a.p);
      if (delta) delta[j] = y - x[j];
      x[j] = y;
    } else if (delta) {
      delta[j] = 0.f;
    }
  }
  if (threadIdx.x == 0 && !commit) a.alive[row] = false;
}

}  // namespace

int langevin_update(const LangevinArgs& a, void* stream) {
  if (a.n == 0) return 0;
  update_kernel<<<static_cast<unsigned>(a.n), 256, 0, static_cast<cudaStream_t>(stream)>>>(a);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace shortrun::cuda

// CUDA fills of the Philox noise streams (z, u_k, batch indices): one thread per element.
#include <cuda_runtime.h>

#include "kernels.h"

namespace shortrun::cuda {
namespace {

__global__ void fill_kernel(NoiseFillArgs a) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= a.n * a.count) return;
  const int64_t row = i / a.count;
  const uint32_t e = static_cast<uint32_t>(i - row * a.count);
  const uint64_t chain = static_cast<uint64_t>(a.chains[row]);
  if (a.kind == NoiseKind::kNormal) {
    static_cast<float*>(a.out)[i] = philox::normal_at(a.seed, chain, a.step, a.stream, e);
  } else {
    const uint32_t w = philox::bits_at(a.seed, chain, a.step, a.stream, e);
    if (a.kind == NoiseKind::kBits) static_cast<int64_t*>(a.out)[i] = static_cast<int64_t>(w);
    else static_cast<float*>(a.out)[i] = philox::uniform01(w);
  }
}

}  // namespace

int noise_fill(const NoiseFillArgs& a, void* stream) {
  const int64_t total = a.n * a.count;
  if (total == 0) return 0;
  const int threads = 256;
  const int64_t blocks = (total + threads - 1) / threads;
  fill_kernel<<<static_cast<unsigned>(blocks), threads, 0, static_cast<cudaStream_t>(stream)>>>(a);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace shortrun::cuda

// Counter-based noise: Philox4x32-10 per element block, Box–Muller for Gaussians; CPU loops
// here, CUDA kernels in cuda/noise_kernels.cu for CUDA tensors.
#include "shortrun/sampling/noise.h"

#include <ATen/Parallel.h>

#include "shortrun/base/error.h"
#include "shortrun/sampling/philox_noise.h"
#include "cuda_launch.h"

namespace shortrun {
namespace {

enum class Kind { kUniform01, kNormal, kBits };

torch::Tensor fill(uint64_t seed, const torch::Tensor& chains_in, int64_t step, int64_t stream, int64_t count, Kind kind) {
  if (step < 0 || step > 0xffffffffLL) throw Error("noise step " + std::to_string(step) + " is outside 0..2^32-1");
  if (count < 0 || count > 0xffffffffLL * 4) throw Error("noise element count " + std::to_string(count) + " is too large");
  const torch::Tensor chains = chains_in.to(torch::kInt64).reshape({-1}).contiguous();
  const int64_t n = chains.numel();
  const auto dtype = kind == Kind::kBits ? torch::kInt64 : torch::kFloat32;
  torch::Tensor out = torch::empty({n, count}, torch::TensorOptions().dtype(dtype).device(chains.device()));
  if (chains.is_cuda()) {
    launch_noise_fill(out, chains, seed, static_cast<uint32_t>(step), static_cast<uint32_t>(stream),
                      kind == Kind::kNormal ? 1 : kind == Kind::kBits ? 2 : 0);
    return out;
  }
  const int64_t* c = chains.data_ptr<int64_t>();
  const auto st = static_cast<uint32_t>(step), sm = static_cast<uint32_t>(stream);
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto chain = static_cast<uint64_t>(c[i]);
      for (int64_t e0 = 0; e0 < count; e0 += 4) {
        const auto w = philox::block(seed, chain, st, sm, static_cast<uint32_t>(e0 >> 2));
        const int64_t m = std::min<int64_t>(4, count - e0);
        if (kind == Kind::kBits) {
          int64_t* o = out.data_ptr<int64_t>() + i * count + e0;
          for (int64_t j = 0; j < m; ++j) o[j] = static_cast<int64_t>(w.v[j]);
        } else if (kind == Kind::kUniform01) {
          float* o = out.data_ptr<float>() + i * count + e0;
          for (int64_t j = 0; j < m; ++j) o[j] = philox::uniform01(w.v[j]);
        } else {
          float v[4];
          philox::box_muller(w.v[0], w.v[1], &v[0], &v[1]);
          philox::box_muller(w.v[2], w.v[3], &v[2], &v[3]);
          float* o = out.data_ptr<float>() + i * count + e0;
          for (int64_t j = 0; j < m; ++j) o[j] = v[j];
        }
      }
    }
  });
  return out;
}

std::vector<int64_t> out_shape(int64_t n, at::IntArrayRef shape) {
  std::vector<int64_t> out{n};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

int64_t numel_of(at::IntArrayRef shape) {
  int64_t count = 1;
  for (auto s : shape) count *= s;
  return count;
}

}  // namespace

torch::Tensor CounterNoise::bits(const torch::Tensor& chains, int64_t step, int64_t stream, int64_t count) const {
  return fill(seed_, chains, step, stream, count, Kind::kBits);
}

torch::Tensor CounterNoise::uniform(const torch::Tensor& chains, int64_t step, NoiseStream stream,
                                    at::IntArrayRef shape) const {
  return fill(seed_, chains, step, static_cast<int64_t>(stream), numel_of(shape), Kind::kUniform01)
      .reshape(out_shape(chains.numel(), shape));
}

torch::Tensor CounterNoise::normal(const torch::Tensor& chains, int64_t step, NoiseStream stream,
                                   at::IntArrayRef shape) const {
  return fill(seed_, chains, step, static_cast<int64_t>(stream), numel_of(shape), Kind::kNormal)
      .reshape(out_shape(chains.numel(), shape));
}

}  // namespace shortrun

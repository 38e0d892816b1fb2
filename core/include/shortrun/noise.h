// Addressable noise: every value is a pure function of (seed, chain index, step, element),
// computed with integer tensor ops on the tensors' device (a counter-based generator), so
// a chain replays bit-identically whatever the batch size or the other chains.
#pragma once
#include <cstdint>

#include <torch/torch.h>

namespace shortrun {

// Streams keep independent uses of the same (seed, chain, step) apart.
enum class NoiseStream : int64_t {
  kInitUniform = 0,  // z for uniform init
  kInitGauss = 1,    // z for Gaussian init (two substreams)
  kLangevin = 3,     // u_k (two substreams)
  kData = 5,         // trainer: data noise (two substreams)
  kBatch = 7,        // trainer: minibatch indices
  kMisc = 9,
};

class CounterNoise {
 public:
  explicit CounterNoise(uint64_t seed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }

  // chains: int64 [N] tensor of chain indices (its device is where the noise is made).
  // Returns [N, shape...] float32.
  torch::Tensor uniform(const torch::Tensor& chains, int64_t step, NoiseStream stream, at::IntArrayRef shape) const;
  torch::Tensor normal(const torch::Tensor& chains, int64_t step, NoiseStream stream, at::IntArrayRef shape) const;
  // Raw 32-bit hashes (as int64 in [0, 2^32)), [N, count].
  torch::Tensor bits(const torch::Tensor& chains, int64_t step, int64_t stream, int64_t count) const;

 private:
  uint64_t seed_;
};

// 32-bit integer hash on int64 tensors holding values in [0, 2^32): a bijection with good
// avalanche. Multipliers stay below 2^31 so products fit in int64 without overflow.
torch::Tensor hash32(const torch::Tensor& x);

}  // namespace shortrun

// Addressable noise: every value is a pure function of (seed, chain index, step, stream,
// element), from the counter-based generator Philox4x32-10 (philox_noise.h), made in one pass
// on the chains' device, so a chain replays bit-identically whatever the batch size.
#pragma once
#include <cstdint>

#include <torch/torch.h>

namespace shortrun {

// Streams keep independent uses of the same (seed, chain, step) apart.
enum class NoiseStream : int64_t {
  kInitUniform = 0,  // z for uniform init
  kInitGauss = 1,    // z for Gaussian init
  kLangevin = 3,     // u_k
  kData = 5,         // trainer: data noise
  kBatch = 7,        // trainer: minibatch indices
  kMisc = 9,
  kAccept = 11,      // MALA: accept/reject uniforms
  kBufferInit = 13,  // trainer: the replay buffer's initial states (chain = buffer slot)
  kReplay = 15,      // trainer: which buffer slots an iteration draws, and which it re-initialises
};

class CounterNoise {
 public:
  explicit CounterNoise(uint64_t seed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }

  // chains: int64 [N] tensor of chain indices (its device is where the noise is made).
  // Returns [N, shape...] float32.
  torch::Tensor uniform(const torch::Tensor& chains, int64_t step, NoiseStream stream, at::IntArrayRef shape) const;
  torch::Tensor normal(const torch::Tensor& chains, int64_t step, NoiseStream stream, at::IntArrayRef shape) const;
  // Raw Philox words (as int64 in [0, 2^32)), [N, count].
  torch::Tensor bits(const torch::Tensor& chains, int64_t step, int64_t stream, int64_t count) const;

 private:
  uint64_t seed_;
};

}  // namespace shortrun

// Counter-based noise from an integer hash, then Box–Muller for Gaussians.
#include "shortrun/noise.h"

#include <cmath>

namespace shortrun {
namespace {
constexpr int64_t kMask = 0xffffffffLL;

// The same hash on one scalar, for the parts of the key that do not vary per chain.
int64_t hash32_scalar(uint64_t v) {
  uint64_t x = v & kMask;
  x ^= x >> 16; x = (x * 0x7feb352dULL) & kMask;
  x ^= x >> 15; x = (x * 0x68e31da5ULL) & kMask;
  x ^= x >> 13; x = (x * 0x1b873593ULL) & kMask;
  x ^= x >> 16;
  return static_cast<int64_t>(x);
}
}  // namespace

torch::Tensor hash32(const torch::Tensor& x_in) {
  torch::Tensor x = x_in;
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 16));
  x = torch::bitwise_and(x * int64_t{0x7feb352d}, kMask);
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 15));
  x = torch::bitwise_and(x * int64_t{0x68e31da5}, kMask);
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 13));
  x = torch::bitwise_and(x * int64_t{0x1b873593}, kMask);
  x = torch::bitwise_xor(x, torch::bitwise_right_shift(x, 16));
  return x;
}

torch::Tensor CounterNoise::bits(const torch::Tensor& chains, int64_t step, int64_t stream, int64_t count) const {
  const auto dev = chains.device();
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(dev);
  // Key per chain: seed (both halves), chain index (both halves), step, stream.
  torch::Tensor c = chains.to(i64).reshape({-1, 1});
  const int64_t seed_key = hash32_scalar(hash32_scalar(seed_) ^ hash32_scalar(seed_ >> 32));
  torch::Tensor key = hash32(torch::bitwise_xor(torch::bitwise_and(c, kMask), seed_key));
  key = hash32(torch::bitwise_xor(key, torch::bitwise_right_shift(c, 32)));
  key = hash32(torch::bitwise_xor(key, hash32_scalar(static_cast<uint64_t>(step) + 0x9e3779b9ULL)));
  key = hash32(torch::bitwise_xor(key, hash32_scalar(static_cast<uint64_t>(stream) + 0x7f4a7c15ULL)));
  // Per element: hash(key xor hash(element index)), twice, for good mixing of the two inputs.
  torch::Tensor idx = hash32(torch::arange(count, i64).reshape({1, -1}) + int64_t{0x3c6ef372});
  return hash32(torch::bitwise_xor(hash32(torch::bitwise_xor(key, idx)), idx));
}

torch::Tensor CounterNoise::uniform(const torch::Tensor& chains, int64_t step, NoiseStream stream,
                                    at::IntArrayRef shape) const {
  int64_t count = 1;
  for (auto s : shape) count *= s;
  // Top 24 bits -> (0, 1) exactly representable in float32, never 0 or 1.
  torch::Tensor b = bits(chains, step, static_cast<int64_t>(stream), count);
  torch::Tensor u = (torch::bitwise_right_shift(b, 8).to(torch::kFloat64) + 0.5) * (1.0 / 16777216.0);
  std::vector<int64_t> out{chains.numel()};
  out.insert(out.end(), shape.begin(), shape.end());
  return u.to(torch::kFloat32).reshape(out);
}

torch::Tensor CounterNoise::normal(const torch::Tensor& chains, int64_t step, NoiseStream stream,
                                   at::IntArrayRef shape) const {
  const auto s = static_cast<int64_t>(stream);
  const auto s2 = static_cast<NoiseStream>(s + 1);
  // Box–Muller in float64 so the result does not depend on float32 transcendental rounding.
  torch::Tensor u1 = uniform(chains, step, stream, shape).to(torch::kFloat64);
  torch::Tensor u2 = uniform(chains, step, s2, shape).to(torch::kFloat64);
  return (torch::sqrt(-2.0 * torch::log(u1)) * torch::cos((2.0 * M_PI) * u2)).to(torch::kFloat32);
}

}  // namespace shortrun

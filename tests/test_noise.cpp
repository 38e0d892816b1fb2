// Counter-based noise: distribution moments, independence, and addressability.
#include "shortrun/noise.h"

#include "test_util.h"

namespace shortrun {
namespace {

torch::Tensor chains(int64_t first, int64_t n) { return torch::arange(first, first + n, torch::kInt64); }

TEST(Noise, UniformMomentsAndRange) {
  CounterNoise noise(42);
  const torch::Tensor u = noise.uniform(chains(0, 256), 3, NoiseStream::kInitUniform, {1, 32, 32});
  EXPECT_GT(u.min().item<float>(), 0.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(u.mean().item<double>(), 0.5, 0.005);
  EXPECT_NEAR(u.var().item<double>(), 1.0 / 12.0, 0.002);
}

TEST(Noise, NormalMomentsAndTails) {
  CounterNoise noise(7);
  const torch::Tensor z = noise.normal(chains(0, 256), 11, NoiseStream::kLangevin, {1, 32, 32}).flatten();
  EXPECT_NEAR(z.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(z.var().item<double>(), 1.0, 0.02);
  // Tail mass beyond 2σ: 4.55% for a Gaussian.
  EXPECT_NEAR((z.abs() > 2).to(torch::kFloat64).mean().item<double>(), 0.0455, 0.004);
}

TEST(Noise, NeighboursAreUncorrelated) {
  CounterNoise noise(3);
  const torch::Tensor z = noise.normal(chains(0, 64), 0, NoiseStream::kLangevin, {4096});
  const torch::Tensor a = z.narrow(1, 0, 4095).flatten(), b = z.narrow(1, 1, 4095).flatten();
  EXPECT_LT((a * b).mean().abs().item<double>(), 0.01);             // adjacent elements
  const torch::Tensor c0 = z[0], c1 = z[1];
  EXPECT_LT((c0 * c1).mean().abs().item<double>(), 0.05);           // adjacent chains
  const torch::Tensor s1 = noise.normal(chains(0, 64), 1, NoiseStream::kLangevin, {4096});
  EXPECT_LT((z * s1).mean().abs().item<double>(), 0.01);            // adjacent steps
}

TEST(Noise, ChainValuesDoNotDependOnTheBatch) {
  CounterNoise noise(99);
  const torch::Tensor all = noise.normal(chains(0, 64), 5, NoiseStream::kLangevin, {1, 8, 8});
  const torch::Tensor one = noise.normal(torch::tensor({37}, torch::kInt64), 5, NoiseStream::kLangevin, {1, 8, 8});
  EXPECT_TRUE(torch::equal(all[37], one[0]));
}

TEST(Noise, SeedsStepsAndStreamsDiffer) {
  const auto c = chains(0, 4);
  const torch::Tensor a = CounterNoise(1).uniform(c, 0, NoiseStream::kLangevin, {16});
  EXPECT_FALSE(torch::equal(a, CounterNoise(2).uniform(c, 0, NoiseStream::kLangevin, {16})));
  EXPECT_FALSE(torch::equal(a, CounterNoise(1).uniform(c, 1, NoiseStream::kLangevin, {16})));
  EXPECT_FALSE(torch::equal(a, CounterNoise(1).uniform(c, 0, NoiseStream::kData, {16})));
  EXPECT_TRUE(torch::equal(a, CounterNoise(1).uniform(c, 0, NoiseStream::kLangevin, {16})));
  // Seeds differing only in the high 32 bits differ too.
  EXPECT_FALSE(torch::equal(a, CounterNoise(1 + (uint64_t(1) << 32)).uniform(c, 0, NoiseStream::kLangevin, {16})));
}

TEST(Noise, Hash32IsABijectionOnASample) {
  const torch::Tensor x = torch::arange(0, 1 << 16, torch::kInt64);
  const torch::Tensor h = hash32(x);
  EXPECT_EQ(std::get<0>(torch::_unique(h)).numel(), x.numel());
  EXPECT_LT(h.max().item<int64_t>(), int64_t(1) << 32);
  EXPECT_GE(h.min().item<int64_t>(), 0);
}

}  // namespace
}  // namespace shortrun

// Counter-based noise: Philox4x32-10 against its published known answers and its definition,
// distribution moments, independence, and addressability.
#include "shortrun/sampling/noise.h"

#include <array>
#include <cmath>

#include "shortrun/sampling/philox_noise.h"

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

// Philox4x32-10 written out from its definition (Salmon et al., SC'11), independent of
// Random123's implementation: 10 rounds of two 32x32->64 multiplies, a Weyl-sequence key.
std::array<uint32_t, 4> philox_by_definition(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int r = 0; r < 10; ++r) {
    const uint64_t p0 = uint64_t(0xD2511F53u) * c[0], p1 = uint64_t(0xCD9E8D57u) * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1], uint32_t(p0)};
    k = {k[0] + 0x9E3779B9u, k[1] + 0xBB67AE85u};
  }
  return c;
}

// Random123's published known-answer vectors (kat_vectors, "philox4x32 10"): counter, key, result.
struct Kat {
  std::array<uint32_t, 4> ctr;
  std::array<uint32_t, 2> key;
  std::array<uint32_t, 4> out;
};
const Kat kKats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}, {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(Philox, PublishedKnownAnswers) {
  for (const Kat& k : kKats) {
    // Our counter layout: (chain low 32, step, stream | chain high 8 << 8, element block).
    const uint64_t seed = uint64_t(k.key[1]) << 32 | k.key[0];
    const uint64_t chain = uint64_t(k.ctr[2] >> 8) << 32 | k.ctr[0];
    const auto w = philox::block(seed, chain, k.ctr[1], k.ctr[2] & 0xff, k.ctr[3]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(w.v[i], k.out[i]) << "word " << i;
    EXPECT_EQ(philox_by_definition(k.ctr, k.key), k.out);
  }
  // The same words through CounterNoise on a tensor: seed 0, chain 0, step 0, stream 0, block 0.
  const torch::Tensor b = CounterNoise(0).bits(torch::zeros({1}, torch::kInt64), 0, 0, 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b[0][i].item<int64_t>(), int64_t(kKats[0].out[i]));
}

TEST(Philox, AgreesWithTheDefinitionOnRandomCounters) {
  uint64_t s = 12345;
  const auto next = [&s] { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return uint32_t(s >> 32); };
  for (int t = 0; t < 2000; ++t) {
    const std::array<uint32_t, 4> c = {next(), next(), next() , next()};
    const std::array<uint32_t, 2> k = {next(), next()};
    r123::Philox4x32 rng;
    const auto w = rng({{c[0], c[1], c[2], c[3]}}, {{k[0], k[1]}});
    ASSERT_EQ((std::array<uint32_t, 4>{w.v[0], w.v[1], w.v[2], w.v[3]}), philox_by_definition(c, k));
  }
}

TEST(Philox, ElementsMapToBlocksAndLanes) {
  // Element e of a chain's stream is lane e % 4 of block e / 4, and uniforms are (w >> 9 + 0.5) / 2^23.
  CounterNoise noise(77);
  const torch::Tensor b = noise.bits(torch::tensor({5}, torch::kInt64), 9, 3, 10);
  const torch::Tensor u = noise.uniform(torch::tensor({5}, torch::kInt64), 9, NoiseStream::kLangevin, {10});
  for (int e = 0; e < 10; ++e) {
    const uint32_t w = philox::block(77, 5, 9, 3, uint32_t(e / 4)).v[e % 4];
    EXPECT_EQ(b[0][e].item<int64_t>(), int64_t(w));
    EXPECT_EQ(u[0][e].item<float>(), float((double(w >> 9) + 0.5) / 8388608.0));
  }
}

TEST(Noise, NormalIsBoxMullerInDoubleOnPhiloxPairs) {
  CounterNoise noise(5);
  const torch::Tensor z = noise.normal(torch::tensor({3}, torch::kInt64), 2, NoiseStream::kLangevin, {8});
  for (int e = 0; e < 8; ++e) {
    const auto w = philox::block(5, 3, 2, 3, uint32_t(e / 4));
    const int lane = e % 4, pair = lane / 2;
    const double u1 = (double(w.v[2 * pair]) + 0.5) / 4294967296.0, u2 = (double(w.v[2 * pair + 1]) + 0.5) / 4294967296.0;
    const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * M_PI * u2;
    EXPECT_EQ(z[0][e].item<float>(), float(lane % 2 ? r * std::sin(t) : r * std::cos(t))) << e;
  }
}

TEST(Noise, LargeChainIndicesAndStepsStayDistinct) {
  // Chains 2^32 apart differ (the high bits reach the counter), and so do steps 2^31 apart.
  CounterNoise noise(1);
  const torch::Tensor a = noise.uniform(torch::tensor({int64_t(7)}, torch::kInt64), 0, NoiseStream::kLangevin, {16});
  const torch::Tensor b = noise.uniform(torch::tensor({int64_t(7) + (int64_t(1) << 32)}, torch::kInt64), 0, NoiseStream::kLangevin, {16});
  const torch::Tensor c = noise.uniform(torch::tensor({int64_t(7)}, torch::kInt64), int64_t(1) << 31, NoiseStream::kLangevin, {16});
  EXPECT_FALSE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  test::expect_error([&] { noise.uniform(torch::tensor({int64_t(7)}, torch::kInt64), int64_t(1) << 33, NoiseStream::kLangevin, {4}); },
                     {"step"});
}

}  // namespace
}  // namespace shortrun

// The fused Langevin update (noise, step, clamp, freezing in one pass) against the eager
// tensor formula it replaces, bit for bit; in-kernel noise against materialised noise.
#include "shortrun/sampling/langevin_update.h"

#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/precision.h"
#include "test_util.h"

namespace shortrun {
namespace {

// x + s·g + σ·u as PyTorch eager computes it (each op rounds once), then the clamp.
torch::Tensor eager(const torch::Tensor& x, const torch::Tensor& g, const torch::Tensor& u, float s, float sigma, bool clamp) {
  torch::Tensor y = x + g * s;
  if (u.defined()) y = y + u * sigma;
  return clamp ? y.clamp(-1.0, 1.0) : y;
}

TEST(FusedUpdate, MatchesTheEagerFormulaBitForBit) {
  torch::manual_seed(3);
  for (bool clamp : {false, true}) {
    for (bool noisy : {false, true}) {
      const torch::Tensor x0 = torch::rand({7, 3, 5, 5}) * 2 - 1;
      const torch::Tensor g = torch::randn({7, 3, 5, 5}) * 0.7;
      const torch::Tensor u = torch::randn({7, 3, 5, 5});
      langevin::StepParams p;
      p.step_size = 0.37f;
      p.noise_std = 0.013f;
      p.noisy = noisy;
      p.clamp = clamp;
      LangevinNoise nz;
      if (noisy) nz.u = u;
      torch::Tensor x = x0.clone(), alive = torch::ones({7}, torch::kBool), delta = torch::empty_like(x);
      langevin_update(x, g, p, nz, alive, &delta);
      const torch::Tensor want = eager(x0, g, noisy ? u : torch::Tensor(), p.step_size, p.noise_std, clamp);
      EXPECT_TRUE(torch::equal(x, want)) << "clamp " << clamp << " noisy " << noisy;
      EXPECT_TRUE(torch::equal(delta, want - x0));
      EXPECT_TRUE(alive.all().item<bool>());
    }
  }
}

TEST(FusedUpdate, PhiloxNoiseInsideEqualsTheMaterialisedStream) {
  const torch::Tensor chains = torch::tensor({int64_t(0), int64_t(5), int64_t(1234567), int64_t(1) << 33}, torch::kInt64);
  const torch::Tensor x0 = torch::zeros({4, 2, 3, 7});  // 42 elements: not a multiple of 4
  const torch::Tensor g = torch::zeros_like(x0);
  langevin::StepParams p;
  p.step_size = 1.f;
  p.noise_std = 1.f;
  p.noisy = true;
  LangevinNoise nz;
  nz.seed = 99;
  nz.chains = chains;
  nz.step = 17;
  torch::Tensor x = x0.clone(), alive = torch::ones({4}, torch::kBool);
  langevin_update(x, g, p, nz, alive, nullptr);
  const torch::Tensor u = CounterNoise(99).normal(chains, 17, NoiseStream::kLangevin, {2, 3, 7});
  EXPECT_TRUE(torch::equal(x, u));
}

TEST(FusedUpdate, NonFiniteChainsAreFrozenWithZeroDelta) {
  const torch::Tensor x0 = torch::full({4, 1, 2, 2}, 0.5);
  torch::Tensor g = torch::ones_like(x0) * 0.1;
  g[1][0][1][1] = std::nanf("");
  g[2][0][0][0] = INFINITY;
  langevin::StepParams p;
  p.step_size = 1.f;
  for (bool clamp : {false, true}) {  // the clamp must not hide a NaN
    p.clamp = clamp;
    torch::Tensor x = x0.clone(), alive = torch::ones({4}, torch::kBool), delta = torch::empty_like(x);
    alive[3] = false;  // already frozen: stays frozen even with a finite step
    langevin_update(x, g, p, LangevinNoise{}, alive, &delta);
    EXPECT_TRUE(alive[0].item<bool>());
    EXPECT_FALSE(alive[1].item<bool>());
    // +Inf: the clamp makes it 1 (as the eager clamp_ did); without one, the chain freezes.
    EXPECT_EQ(alive[2].item<bool>(), clamp);
    EXPECT_FALSE(alive[3].item<bool>());
    EXPECT_TRUE(torch::allclose(x[0], x0[0] + 0.1));
    for (int i : {1, 3}) {
      EXPECT_TRUE(torch::equal(x[i], x0[i])) << i;
      EXPECT_EQ(delta[i].abs().sum().item<float>(), 0.f) << i;
    }
  }
}

TEST(FusedUpdate, RejectsInconsistentTensors) {
  torch::Tensor x = torch::zeros({2, 3}), alive = torch::ones({2}, torch::kBool);
  const torch::Tensor g = torch::zeros({2, 4});
  test::expect_error([&] { langevin_update(x, g, langevin::StepParams{}, LangevinNoise{}, alive, nullptr); }, {"inconsistent"});
}

TEST(FusedUpdate, SamplerOwnNoiseEqualsNoiseFnRun) {
  // run() makes u_k inside the update; run_from() with noise_of() materialises it: same chains.
  torch::manual_seed(0);
  ArchSpec spec;
  spec.nf = 4;
  NativeEnergyModel model(spec);
  model.set_weights_trainable(false);
  SamplerConfig cfg;
  cfg.steps = 6;
  cfg.noise_std = 0.05;
  cfg.seed = 21;
  const LangevinSampler sampler(model, cfg);
  const torch::Tensor chains = chain_range(3, 5, torch::kCPU);
  const SampleResult a = sampler.run(chains);
  const SampleResult b = sampler.run_from(sampler.initial_state(chains), sampler.noise_of(chains));
  EXPECT_TRUE(torch::equal(a.x, b.x));
}

TEST(Precision, ExactIsTheDefaultAndModesAreChecked) {
  SamplerConfig cfg;
  EXPECT_EQ(cfg.precision, "exact");
  cfg.precision = "fp8";
  test::expect_error([&] { cfg.validate(); }, {"precision", "exact, tf32 or bf16"});
  test::expect_error([&] { check_precision("tf32", torch::kCPU); }, {"tf32", "CUDA"});
  if (cpu_has_native_bf16()) {
    EXPECT_NO_THROW(check_precision("bf16", torch::kCPU));
  } else {
    test::expect_error([&] { check_precision("bf16", torch::kCPU); }, {"bf16", "AVX512-BF16"});
  }
}

TEST(Precision, Bf16OnTheCpuStaysCloseToExactWhereOffered) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "this CPU has no AVX512-BF16/AMX: bf16 is refused here";
  torch::manual_seed(0);
  ArchSpec spec;
  spec.nf = 8;
  NativeEnergyModel model(spec);
  model.set_weights_trainable(false);
  SamplerConfig cfg;
  cfg.steps = 5;
  cfg.noise_std = 0;
  const torch::Tensor exact = LangevinSampler(model, cfg).run(4).x;
  cfg.precision = "bf16";
  const torch::Tensor bf16 = LangevinSampler(model, cfg).run(4).x;
  EXPECT_EQ(bf16.scalar_type(), torch::kFloat32);
  // bf16 keeps 8 significant bits (relative 2^-8 per operation) through 4 convolutions forward
  // and backward: the 5-step displacement moves by several percent, not by its own size.
  const torch::Tensor x0 = LangevinSampler(model, cfg).initial_state(chain_range(0, 4, torch::kCPU));
  const double rel = ((bf16 - exact).norm() / (exact - x0).norm()).item<double>();
  EXPECT_GT(rel, 0.0);  // it did run in bf16
  EXPECT_LT(rel, 0.2);
}

}  // namespace
}  // namespace shortrun

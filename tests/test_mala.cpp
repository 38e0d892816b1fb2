// Metropolis-adjusted Langevin against a Gaussian energy with a known answer: unbiased long-run
// moments where the unadjusted chain with the same large step is measurably biased; acceptance
// tends to 1 as the step shrinks; accept uniforms come from their own stream, so runs replay.
#include "shortrun/sampling/langevin_sampler.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::QuadraticEnergy;

// f(x) = −(x − μ)²/(2σ²) in one dimension: the target N(μ, σ²). Step h with noise √(2h).
SamplerConfig big_step(bool mala) {
  SamplerConfig c;
  c.steps = 400;
  c.step_size = 1.0;             // h = σ²: ULA's stationary variance is σ²/(1 − h/(2σ²)) = 2σ²
  c.noise_std = std::sqrt(2.0);
  c.seed = 11;
  c.mala = mala;
  c.init = "gaussian";
  return c;
}

TEST(Mala, UnbiasedWhereTheUnadjustedChainIsNot) {
  QuadraticEnergy model({1, 1, 1}, 0.5, 1.0);
  const SampleResult ula = LangevinSampler(model, big_step(false)).run(4096);
  const SampleResult mala = LangevinSampler(model, big_step(true)).run(4096);
  // 4096 independent chains: the variance estimate's standard error is about 0.02·σ².
  EXPECT_NEAR(ula.x.var().item<double>(), 2.0, 0.15);   // the known ULA bias: twice σ²
  EXPECT_NEAR(mala.x.var().item<double>(), 1.0, 0.1);
  EXPECT_NEAR(mala.x.mean().item<double>(), 0.5, 0.06);
  const double rate = mala.accept_rate.mean().item<double>();
  EXPECT_GT(rate, 0.2);
  EXPECT_LT(rate, 0.95);
  EXPECT_FALSE(ula.accept_rate.defined());
}

TEST(Mala, AcceptanceTendsToOneAsTheStepShrinks) {
  QuadraticEnergy model({1, 4, 4}, 0.0, 1.0);
  double previous = 0;
  for (double eps : {0.5, 0.1, 0.01}) {
    SamplerConfig c;
    c.steps = 50;
    c.step_size = eps * eps / 2;
    c.noise_std = eps;
    c.mala = true;
    const double rate = LangevinSampler(model, c).run(256).accept_rate.mean().item<double>();
    EXPECT_GE(rate, previous) << "eps " << eps;
    previous = rate;
  }
  EXPECT_GT(previous, 0.995);
}

TEST(Mala, ReplaysExactlyAndTheObserverSeesEachDecision) {
  QuadraticEnergy model({1, 2, 2}, 0.0, 1.0);
  SamplerConfig c = big_step(true);
  c.steps = 20;
  const LangevinSampler sampler(model, c);
  int64_t decisions = 0;
  std::vector<torch::Tensor> deltas;
  const SampleResult a = sampler.run(chain_range(0, 32, torch::kCPU), std::nullopt, [&](const StepInfo& s) {
    if (s.step < c.steps) {
      ASSERT_TRUE(s.accepted.defined());
      decisions += s.accepted.sum().item<int64_t>();
      // A rejected chain does not move.
      EXPECT_TRUE((s.delta.flatten(1).abs().sum(1).index({~s.accepted}) == 0).all().item<bool>());
    }
  });
  const SampleResult b = sampler.run(chain_range(0, 32, torch::kCPU));
  EXPECT_TRUE(torch::equal(a.x, b.x));
  EXPECT_NEAR(a.accept_rate.sum().item<double>() * c.steps, double(decisions), 1e-3);
  // Chain 7 alone takes the same decisions.
  const SampleResult one = sampler.run(chain_range(7, 1, torch::kCPU));
  EXPECT_TRUE(torch::equal(one.x[0], a.x[7]));
}

TEST(Mala, NeedsNoiseNoClampAndExactEnergies) {
  SamplerConfig c;
  c.mala = true;
  c.noise_std = 0;
  test::expect_error([&] { c.validate(); }, {"MALA", "noise"});
  c.noise_std = 0.1;
  c.clamp = true;
  test::expect_error([&] { c.validate(); }, {"MALA", "clamp"});
  c.clamp = false;
  c.temperature = 0;
  test::expect_error([&] { c.validate(); }, {"temperature"});
  // bf16 rounds the energies the acceptance test compares (issue 21).
  c.temperature = 1;
  c.precision = "bf16";
  test::expect_error([&] { c.validate(); }, {"MALA", "bf16"});
  c.precision = "exact";
  EXPECT_NO_THROW(c.validate());
}

}  // namespace
}  // namespace shortrun

// Langevin sampler: Gaussian target from a quadratic energy, exact replay, batch
// independence, NaN freezing, observers, cancellation, no weight gradients.
#include "shortrun/sampling/langevin_sampler.h"

#include "test_util.h"

namespace shortrun {
namespace {
using test::QuadraticEnergy;

TEST(Sampler, QuadraticEnergyReachesItsGaussian) {
  // step = s²/2, noise = s: the unadjusted Langevin chain targets N(μ, σ²) up to O(s²) bias
  // (stationary variance s²/(1−a²) with a = 1 − s²/(2σ²): 0.2525 here vs σ² = 0.25).
  const double mu = 0.3, sigma = 0.5, s = 0.1;
  QuadraticEnergy model({1, 8, 8}, mu, sigma);
  SamplerConfig cfg;
  cfg.steps = 800;
  cfg.step_size = s * s / 2;
  cfg.noise_std = s;
  cfg.seed = 5;
  const SampleResult r = LangevinSampler(model, cfg).run(256);
  EXPECT_EQ(r.steps_done, 800);
  EXPECT_NEAR(r.x.mean().item<double>(), mu, 0.02);
  EXPECT_NEAR(r.x.var().item<double>(), sigma * sigma, 0.05 * sigma * sigma);
}

TEST(Sampler, GaussianInitHasUnitVariance) {
  QuadraticEnergy model({1, 16, 16}, 0, 1);
  SamplerConfig cfg;
  cfg.init = "gaussian";
  const torch::Tensor z = LangevinSampler(model, cfg).initial_state(chain_range(0, 64, torch::kCPU));
  EXPECT_NEAR(z.var().item<double>(), 1.0, 0.03);
  cfg.init = "uniform";
  const torch::Tensor u = LangevinSampler(model, cfg).initial_state(chain_range(0, 64, torch::kCPU));
  EXPECT_GE(u.min().item<float>(), -1.0f);
  EXPECT_LE(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(u.var().item<double>(), 1.0 / 3.0, 0.01);
}

class SmallNetSampler : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    ArchSpec spec;
    spec.nf = 4;
    model = std::make_unique<NativeEnergyModel>(spec);
    cfg.steps = 12;
    cfg.seed = 17;
  }
  std::unique_ptr<NativeEnergyModel> model;
  SamplerConfig cfg;
};

TEST_F(SmallNetSampler, SameSeedReplaysBitIdentically) {
  LangevinSampler sampler(*model, cfg);
  std::vector<torch::Tensor> a, b;
  sampler.run(8, std::nullopt, [&](const StepInfo& s) { a.push_back(s.x.clone()); });
  sampler.run(8, std::nullopt, [&](const StepInfo& s) { b.push_back(s.x.clone()); });
  ASSERT_EQ(a.size(), 13u);
  for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::equal(a[k], b[k])) << "step " << k;
  cfg.seed = 18;
  EXPECT_FALSE(torch::equal(LangevinSampler(*model, cfg).run(8).x, a.back()));
}

TEST_F(SmallNetSampler, ChainIsIdenticalWithBatchOneAndBatch64) {
  LangevinSampler sampler(*model, cfg);
  const torch::Tensor all = sampler.run(64).x;
  const torch::Tensor one = sampler.run(torch::tensor({41}, torch::kInt64)).x;
  EXPECT_TRUE(torch::equal(all[41], one[0]));
}

TEST_F(SmallNetSampler, ChunkingDoesNotChangeTheMathematics) {
  // Same chains, different evaluation batching: equal up to floating-point reassociation.
  const torch::Tensor chunked = LangevinSampler(*model, cfg).run(40).x;
  cfg.chunk = 0;
  const torch::Tensor whole = LangevinSampler(*model, cfg).run(40).x;
  EXPECT_TRUE(torch::allclose(chunked, whole, 1e-4, 1e-5));
}

TEST_F(SmallNetSampler, ObserverSeesEveryStepWithConsistentResiduals) {
  LangevinSampler sampler(*model, cfg);
  std::vector<StepInfo> seen;
  const SampleResult r = sampler.run(4, std::nullopt, [&](const StepInfo& s) {
    StepInfo c = s;
    c.x = s.x.clone();
    if (s.delta.defined()) c.delta = s.delta.clone();  // the sampler reuses its buffers
    seen.push_back(c);
  });
  ASSERT_EQ(seen.size(), 13u);
  for (int64_t k = 0; k < 12; ++k) {
    EXPECT_EQ(seen[k].step, k);
    EXPECT_TRUE(torch::allclose(seen[k].x + seen[k].delta, seen[k + 1].x, 0, 1e-6));
    EXPECT_EQ(seen[k].energy.sizes(), torch::IntArrayRef({4}));
  }
  EXPECT_FALSE(seen.back().delta.defined());
  EXPECT_TRUE(torch::equal(seen.back().x, r.x));
}

TEST_F(SmallNetSampler, WeightsNeverAccumulateGradients) {
  LangevinSampler(*model, cfg).run(4);
  for (const auto& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST_F(SmallNetSampler, CancelStopsBetweenSteps) {
  std::atomic<bool> cancel{false};
  const SampleResult r = LangevinSampler(*model, cfg).run(4, std::nullopt, [&](const StepInfo& s) {
    if (s.step == 3) cancel = true;
  }, &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.steps_done, 4);
}

TEST_F(SmallNetSampler, InitReplacesNoiseAndClampBounds) {
  cfg.clamp = true;
  cfg.step_size = 50;
  const torch::Tensor init = torch::zeros({3, 1, 32, 32});
  const SampleResult r = LangevinSampler(*model, cfg).run(3, init);
  EXPECT_LE(r.x.abs().max().item<float>(), 1.0f);
}

// Energy that turns NaN for chain 1 only, after the first step.
class PoisonedEnergy : public test::QuadraticEnergy {
 public:
  PoisonedEnergy() : QuadraticEnergy({1, 4, 4}, 0, 1) {}
  torch::Tensor energy(const torch::Tensor& x) override {
    torch::Tensor f = QuadraticEnergy::energy(x);
    torch::Tensor poison = torch::zeros_like(f);
    if (calls_++ >= 1) poison.index_put_({1}, std::numeric_limits<float>::quiet_NaN());
    return f + poison * x.flatten(1).sum(1);
  }
  int calls_ = 0;
};

TEST(Sampler, NanChainIsFrozenAndTheOthersGoOn) {
  PoisonedEnergy model;
  SamplerConfig cfg;
  cfg.steps = 5;
  cfg.step_size = 0.1;
  const SampleResult r = LangevinSampler(model, cfg).run(3);
  EXPECT_FALSE(r.alive[1].item<bool>());
  EXPECT_TRUE(r.alive[0].item<bool>());
  EXPECT_TRUE(r.alive[2].item<bool>());
  EXPECT_TRUE(torch::isfinite(r.x).all().item<bool>());
  // The healthy chains match a run without the poisoned one.
  test::QuadraticEnergy clean({1, 4, 4}, 0, 1);
  const SampleResult c = LangevinSampler(clean, cfg).run(3);
  EXPECT_TRUE(torch::equal(r.x[0], c.x[0]));
  EXPECT_TRUE(torch::equal(r.x[2], c.x[2]));
}

TEST(SamplerConfig, RejectsBadValues) {
  SamplerConfig cfg;
  cfg.steps = -1;
  test::expect_error([&] { cfg.validate(); }, {"steps"});
  cfg = SamplerConfig{};
  cfg.init = "cauchy";
  test::expect_error([&] { cfg.validate(); }, {"init", "uniform or gaussian"});
  cfg = SamplerConfig{};
  cfg.noise_std = std::nan("");
  test::expect_error([&] { cfg.validate(); }, {"noise"});
}

}  // namespace
}  // namespace shortrun

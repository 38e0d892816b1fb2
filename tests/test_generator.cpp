// The chain as a generator x = M(z, u): interpolation endpoints, the reconstruction gradient
// (finite differences, float64, smooth net), agreement with PyTorch, masks, bad inputs.
#include <atomic>

#include "shortrun/analysis/interpolation.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/npy.h"
#include "shortrun/model/state_dict_import.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;
using test::fixture;

std::unique_ptr<NativeEnergyModel> fixture_net(const std::string& activation) {
  const ImportedNet net = import_state_dict(read_torch_state_dict(fixture("minimal.pth")), "minimal.pth");
  ArchSpec spec = net.arch;
  spec.activation = activation;
  auto m = std::make_unique<NativeEnergyModel>(spec);
  m->load_named_parameters(net.params, "minimal.pth");
  m->set_weights_trainable(false);
  return m;
}

class Interpolation : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(1);
    ArchSpec spec;
    spec.nf = 4;
    model = std::make_unique<NativeEnergyModel>(spec);
    cfg.steps = 8;
    cfg.step_size = 0.5;
    cfg.noise_std = 0.05;
  }
  torch::Tensor chain_of(uint64_t seed, int64_t first, int64_t n) {
    SamplerConfig c = cfg;
    c.seed = seed;
    return LangevinSampler(*model, c).run(chain_range(first, n, torch::kCPU)).x;
  }
  std::unique_ptr<NativeEnergyModel> model;
  SamplerConfig cfg;
};

TEST_F(Interpolation, EndpointsReproduceTheirChainsExactly) {
  const std::vector<Endpoint> e1 = {{3, 0}, {3, 1}}, e2 = {{7, 0}, {7, 1}};
  for (const char* path : {"linear", "spherical"}) {
    InterpolationSpec spec;
    spec.path = path;
    spec.points = 5;
    spec.noise = "mixed";
    const InterpolationResult r = interpolate(LangevinSampler(*model, cfg), e1, e2, spec);
    ASSERT_EQ(r.x.sizes(), torch::IntArrayRef({2, 5, 1, 32, 32}));
    EXPECT_TRUE(torch::equal(r.x.select(1, 0), chain_of(3, 0, 2))) << path;
    EXPECT_TRUE(torch::equal(r.x.select(1, 4), chain_of(7, 0, 2))) << path;
    EXPECT_FALSE(torch::equal(r.x.select(1, 2), r.x.select(1, 0)));
    EXPECT_EQ(r.energy.sizes(), torch::IntArrayRef({2, 5}));
  }
}

TEST_F(Interpolation, FixedNoiseKeepsEndpointOnesNoise) {
  InterpolationSpec spec;
  spec.points = 3;
  spec.noise = "fixed";
  SamplerConfig c3 = cfg, c7 = cfg;
  c3.seed = 3;
  c7.seed = 7;
  const LangevinSampler s3(*model, c3), s7(*model, c7);
  const InterpolationResult r = interpolate(s3, {{3, 4}}, {{7, 4}}, spec);
  const torch::Tensor chain = torch::tensor({int64_t(4)});
  EXPECT_TRUE(torch::equal(r.x[0][0], s3.run(chain).x[0]));
  // ρ = 1 is z2 with endpoint 1's noise.
  EXPECT_TRUE(torch::equal(r.x[0][2], s3.run_from(s7.initial_state(chain), s3.noise_of(chain)).x[0]));
}

TEST_F(Interpolation, ExplicitRhoMatchesTheStripColumnExactly) {
  // The explorer's live ρ slider generates one point; it must be the strip's image at that ρ.
  InterpolationSpec strip;
  strip.points = 5;
  InterpolationSpec live = strip;
  live.rhos = {0.25};
  const LangevinSampler s(*model, cfg);
  const InterpolationResult a = interpolate(s, {{3, 2}}, {{7, 5}}, strip);
  const InterpolationResult b = interpolate(s, {{3, 2}}, {{7, 5}}, live);
  ASSERT_EQ(b.x.sizes(), torch::IntArrayRef({1, 1, 1, 32, 32}));
  EXPECT_TRUE(torch::equal(b.x[0][0], a.x[0][1]));
  EXPECT_EQ(b.energy[0][0].item<float>(), a.energy[0][1].item<float>());
  live.rhos = {1.5};
  expect_error([&] { interpolate(s, {{3, 2}}, {{7, 5}}, live); }, {"rho", "[0, 1]"});
}

TEST(PathWeights, ArePapersForms) {
  EXPECT_EQ(path_weights("linear", 0.25), std::make_pair(0.75, 0.25));
  const auto [a, b] = path_weights("spherical", 0.6);
  EXPECT_DOUBLE_EQ(a * a + b * b, 1.0);  // variance-preserving
  EXPECT_DOUBLE_EQ(b, 0.6);
  InterpolationSpec bad;
  bad.path = "cubic";
  expect_error([&] { bad.validate(); }, {"cubic", "linear or spherical"});
}

// Float64, smooth (SiLU) net with large weights so the Hessian term is far from negligible.
TEST(ReconstructionGradient, MatchesFiniteDifferences) {
  torch::manual_seed(2);
  ArchSpec spec;
  spec.nf = 2;
  spec.activation = "silu";
  NativeEnergyModel model(spec);
  model.net()->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model.parameters()) p.mul_(6.0);
  }
  model.set_weights_trainable(false);
  SamplerConfig cfg;
  cfg.steps = 3;
  cfg.step_size = 0.5;
  cfg.noise_std = 0.1;
  cfg.chunk = 0;
  const LangevinSampler sampler(model, cfg);
  const auto dopt = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor u = torch::randn({3, 2, 1, 32, 32}, dopt);
  const NoiseFn noise = [&](int64_t k) { return u[k]; };
  const torch::Tensor z = torch::rand({2, 1, 32, 32}, dopt) * 2 - 1;
  const torch::Tensor obs = torch::rand({2, 1, 32, 32}, dopt) * 2 - 1;
  ReconstructConfig rc;
  rc.hessian = "always";
  const Reconstructor rec(sampler, rc);
  const torch::Tensor w = rec.loss_weights(obs, torch::Tensor());
  const torch::Tensor grad = rec.loss_and_grad(z, noise, obs, w).grad;
  // The identity-Jacobian shortcut (valid only for piecewise-linear nets) must differ here.
  const torch::Tensor residual_only = 2 * w * (rec.generate(z, noise) - obs);
  EXPECT_GT((grad - residual_only).abs().max().item<double>(), 1e-2 * residual_only.abs().max().item<double>());
  const double eps = 1e-6;
  double worst = 0;
  for (int64_t trial = 0; trial < 12; ++trial) {
    const int64_t i = trial % 2, p = (trial * 379) % 1024;
    torch::Tensor zp = z.clone(), zm = z.clone();
    zp.view({2, -1})[i][p] += eps;
    zm.view({2, -1})[i][p] -= eps;
    const double lp = rec.loss_and_grad(zp, noise, obs, w).loss.sum().item<double>();
    const double lm = rec.loss_and_grad(zm, noise, obs, w).loss.sum().item<double>();
    const double fd = (lp - lm) / (2 * eps), an = grad.view({2, -1})[i][p].item<double>();
    worst = std::max(worst, std::abs(fd - an) / (std::abs(fd) + 1e-8));
  }
  EXPECT_LT(worst, 1e-5);
}

class ReconstructionReference : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ReconstructionReference, FewIterationsGiveTheSameZAsPyTorch) {
  const auto [activation, hessian] = GetParam();
  auto model = fixture_net(activation);
  SamplerConfig cfg;
  cfg.steps = 5;
  cfg.step_size = 0.5;
  cfg.noise_std = 0.01;
  cfg.chunk = 0;
  const LangevinSampler sampler(*model, cfg);
  const torch::Tensor u = read_npy(fixture("recon_u.npy"));
  ReconstructConfig rc;
  rc.iters = 5;
  rc.lr = 0.05;
  rc.hessian = hessian;
  const Reconstructor rec(sampler, rc);
  EXPECT_EQ(rec.skips_hessian(), activation == "lrelu" && hessian == "auto");
  const ReconstructResult r = rec.run(read_npy(fixture("recon_obs.npy")), read_npy(fixture("recon_mask.npy")),
                                      read_npy(fixture("recon_z0.npy")), [&](int64_t k) { return u[k]; });
  const torch::Tensor expected = read_npy(fixture("recon_z_" + activation + ".npy"));
  EXPECT_LT((r.z - expected).abs().max().item<double>(), 1e-4);
  EXPECT_EQ(r.curve.sizes(), torch::IntArrayRef({6, 2}));
}

INSTANTIATE_TEST_SUITE_P(Activations, ReconstructionReference,
                         ::testing::Values(std::make_pair("lrelu", "auto"), std::make_pair("lrelu", "always"),
                                           std::make_pair("silu", "auto")),
                         [](const auto& info) { return info.param.first + "_" + info.param.second; });

class Reconstruction : public ::testing::Test {
 protected:
  void SetUp() override {
    model = fixture_net("lrelu");
    cfg.steps = 10;
    cfg.step_size = 1.0;
    cfg.noise_std = 0.01;
    cfg.seed = 9;
    rc.iters = 120;
    rc.lr = 0.1;
  }
  std::unique_ptr<NativeEnergyModel> model;
  SamplerConfig cfg;
  ReconstructConfig rc;
};

TEST_F(Reconstruction, OwnSampleIsReconstructedFarBetterThanADataImage) {
  const LangevinSampler sampler(*model, cfg);
  const Reconstructor rec(sampler, rc);
  // The model's own sample from a known z (chain 100), reconstructed starting from chain 0's z.
  const torch::Tensor own = sampler.run(torch::tensor({int64_t(100)})).x;
  const NoiseFn noise = sampler.noise_of(torch::tensor({int64_t(100)}));
  const torch::Tensor z0 = sampler.initial_state(torch::tensor({int64_t(0)}));
  const ReconstructResult a = rec.run(own, torch::Tensor(), z0, noise);
  const torch::Tensor data = load_dataset("idx:" + fixture("tiny-images-idx3-ubyte.gz")).images.narrow(0, 0, 1);
  const ReconstructResult b = rec.run(data, torch::Tensor(), z0, noise);
  // About 4.5x better on this CPU's native ISA and under AVX2 alike; 2x leaves room for rounding.
  EXPECT_LT(a.mse.item<double>(), 0.5 * b.mse.item<double>()) << a.mse.item<double>() << " vs " << b.mse.item<double>();
  EXPECT_LT(a.curve[-1].item<double>(), a.curve[0].item<double>());
}

// That masked-out pixels never matter is checked for all three kinds through the Generator
// interface (test_generator_interface.cpp, Generators.MaskedReconstructionFitsOnlyTheVisiblePixels).

TEST_F(Reconstruction, BadInputs) {
  const LangevinSampler sampler(*model, cfg);
  const Reconstructor rec(sampler, rc);
  const torch::Tensor chains = torch::tensor({int64_t(0)});
  expect_error([&] { rec.run(torch::zeros({1, 3, 32, 32}), torch::Tensor(), chains); }, {"[1, 3, 32, 32]", "expected [N,1,32,32]"});
  expect_error([&] { rec.run(torch::zeros({1, 1, 32, 32}), torch::ones({1, 1, 28, 28}), chains); }, {"mask", "[1, 1, 28, 28]"});
  expect_error([&] { rec.run(torch::zeros({1, 1, 32, 32}), torch::zeros({1, 1, 32, 32}), chains); }, {"observes no pixel"});
  torch::Tensor nan_img = torch::zeros({1, 1, 32, 32});
  nan_img[0][0][3][3] = std::nan("");
  expect_error([&] { rec.run(nan_img, torch::Tensor(), chains); }, {"NaN or Inf"});
  expect_error([&] { make_mask("random:1.5", 32, 32); }, {"random:1.5", "0 <= P < 1"});
  expect_error([&] { make_mask("diagonal", 32, 32); }, {"diagonal", "center, left or random:P"});
}

TEST(Masks, Shapes) {
  EXPECT_EQ(make_mask("center", 32, 32).sum().item<double>(), 1024 - 256);
  EXPECT_EQ(make_mask("left", 32, 32).sum().item<double>(), 512);
  const double kept = make_mask("random:0.5", 32, 32).mean().item<double>();
  EXPECT_NEAR(kept, 0.5, 0.06);
}

}  // namespace
}  // namespace shortrun

namespace shortrun {
namespace {

// Stop means stop: a cancel raised while step k of the first iteration's forward sweep runs is
// seen before the next network evaluation, for a piecewise-linear net (no reverse-sweep
// evaluations) and a smooth one (Hessian-vector products in the reverse sweep).
TEST(ReconstructionCancel, LandsWithinOneNetworkEvaluationOfBothSweeps) {
  for (const std::string activation : {"lrelu", "silu"}) {
    auto model = fixture_net(activation);
    SamplerConfig cfg;
    cfg.steps = 40;
    cfg.step_size = 0.5;
    cfg.noise_std = 0.01;
    const LangevinSampler sampler(*model, cfg);
    ReconstructConfig rc;
    rc.iters = 5;
    const Reconstructor rec(sampler, rc);
    const torch::Tensor obs = torch::zeros({1, 1, 32, 32});
    const torch::Tensor z0 = torch::rand({1, 1, 32, 32}) * 2 - 1;
    std::atomic<bool> cancel{false};
    int calls = 0;
    // The noise of step k is asked for right after step k's network evaluation.
    const NoiseFn noise = [&](int64_t k) {
      ++calls;
      if (k == 7) cancel.store(true);
      return torch::zeros({1, 1, 32, 32});
    };
    const ReconstructResult r = rec.run(obs, torch::Tensor(), z0, noise, nullptr, &cancel);
    EXPECT_TRUE(r.cancelled) << activation;
    EXPECT_EQ(calls, 8) << activation << ": evaluations went on after the stop";
    EXPECT_EQ(r.curve.size(0), 0) << activation << ": no iteration finished";
    EXPECT_FALSE(r.x.defined()) << activation << ": no final K-step pass after a stop";
    // A stop raised during the last forward step lands in the reverse sweep of the smooth net
    // (its Hessian-vector products are network evaluations); the piecewise-linear net has none
    // left to skip and finishes the gradient.
    std::atomic<bool> late{false};
    const NoiseFn late_noise = [&](int64_t k) {
      if (k == cfg.steps - 1) late.store(true);
      return torch::zeros({1, 1, 32, 32});
    };
    const auto lg = rec.loss_and_grad(z0, late_noise, obs, rec.loss_weights(obs, torch::Tensor()), &late);
    EXPECT_EQ(lg.cancelled, activation == "silu") << activation;
  }
}

}  // namespace
}  // namespace shortrun

// The analysis views (long run, contact sheet, A/B compare, OOD probe): each against plain
// sampler runs bit for bit, the long run against ULA's closed-form stationary variance, and the
// shared pieces (curves, colour map, command-line numbers, JSON round trips).
#include <cmath>
#include <cstdlib>

#include "shortrun/analysis/ab_compare.h"
#include "shortrun/analysis/contact_sheet.h"
#include "shortrun/analysis/long_run.h"
#include "shortrun/analysis/ood_probe.h"
#include "shortrun/analysis/view_common.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::QuadraticEnergy;

std::unique_ptr<NativeEnergyModel> tiny_net(uint64_t seed, const std::string& activation = "lrelu") {
  torch::manual_seed(seed);
  ArchSpec spec;
  spec.nf = 4;
  spec.activation = activation;
  auto m = std::make_unique<NativeEnergyModel>(spec);
  m->set_weights_trainable(false);
  return m;
}

SamplerConfig small_sampler(int64_t steps) {
  SamplerConfig c;
  c.steps = steps;
  c.seed = 23;
  c.step_size = 1.0;
  c.noise_std = 0.01;
  return c;
}

// ---- Long run ----

TEST(LongRun, ShortRunStateIsTheKStepRunAndTheLongRunContinuesIt) {
  auto model = tiny_net(1);
  LongRunConfig c;
  c.sampler = small_sampler(5);
  c.chains = 6;
  c.multiple = 4;
  c.max_frames = 4;
  int64_t last_progress = -1;
  const LongRunResult r = run_long(*model, c, std::nullopt, [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 20);
    EXPECT_GE(done, last_progress);
    last_progress = done;
  });
  ASSERT_FALSE(r.cancelled);
  EXPECT_EQ(r.short_steps, 5);
  EXPECT_EQ(r.total_steps, 20);
  EXPECT_EQ(r.steps_done, 20);
  EXPECT_EQ(last_progress, 20);
  // x_K equals a plain K-step run of the same chains; x_M a plain M-step run (the same noise stream).
  EXPECT_TRUE(torch::equal(r.x_short, LangevinSampler(*model, small_sampler(5)).run(6).x));
  EXPECT_TRUE(torch::equal(r.x_long, LangevinSampler(*model, small_sampler(20)).run(6).x));
  // Curves: one row per step 0..M, one column per chain.
  EXPECT_EQ(r.curves.energy.sizes(), (std::vector<int64_t>{21, 6}));
  EXPECT_TRUE(torch::isfinite(r.curves.grad_norm).all().item<bool>());
  // Strided trajectory, bounded, always holding K and M.
  EXPECT_LE(r.frame_steps.size(), 4u);
  EXPECT_EQ(r.frames.size(0), static_cast<int64_t>(r.frame_steps.size()));
  EXPECT_NE(std::find(r.frame_steps.begin(), r.frame_steps.end(), 5), r.frame_steps.end());
  EXPECT_EQ(r.frame_steps.back(), 20);
  EXPECT_TRUE(torch::equal(r.frames[r.frames.size(0) - 1], r.x_long));
  // The energy curve at K is f(x_K).
  const torch::Tensor f_k = energies(*model, r.x_short);
  EXPECT_TRUE(torch::allclose(r.curves.energy[5], f_k, 1e-5, 1e-5));
}

TEST(LongRun, CancelStopsBetweenSteps) {
  auto model = tiny_net(2);
  LongRunConfig c;
  c.sampler = small_sampler(3);
  c.chains = 2;
  c.continue_to = 50;
  std::atomic<bool> cancel{false};
  const LongRunResult r = run_long(*model, c, std::nullopt, [&](int64_t done, int64_t) {
    if (done == 7) cancel.store(true);
  }, &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_LT(r.steps_done, 50);
  EXPECT_TRUE(r.x_short.defined());
}

TEST(LongRun, SettingsAreCheckedAndRoundTripThroughJson) {
  LongRunConfig c;
  c.sampler = small_sampler(10);
  c.continue_to = 5;
  test::expect_error([&] { c.validate(); }, {"continue-to", "expected M >= K"});
  c.continue_to = 0;
  c.chains = 100000 / 2;
  test::expect_error([&] { c.validate(); }, {"curve bound"});
  c.chains = 3;
  c.multiple = 7;
  const LongRunConfig back = nlohmann::json(c).get<LongRunConfig>();
  EXPECT_EQ(back.total_steps(), 70);
  EXPECT_EQ(back.chains, 3);
  EXPECT_EQ(back.sampler.seed, c.sampler.seed);
}

// f(x) = −(x − μ)²/(2v): ULA with step s and noise σ set separately is an AR(1) chain per
// coordinate, x' = (1 − s/v)(x − μ) + μ + σu, whose stationary variance is exactly
// σ²v²/(s(2v − s)). 512 chains × 64 independent coordinates: the variance estimate's relative
// standard error is √(2/32768) ≈ 0.8%, so 4% leaves a wide margin whatever the rounding.
TEST(LongRun, QuadraticEnergyReachesUlaStationaryVarianceExactly) {
  const double mu = 0.3, v = 0.25;
  QuadraticEnergy model({1, 8, 8}, mu, std::sqrt(v));
  LongRunConfig c;
  c.sampler.steps = 10;
  c.sampler.step_size = 0.1;   // contraction 1 − s/v = 0.6 per step: converged long before M
  c.sampler.noise_std = 0.3;   // not the textbook √(2s): the chain targets another variance
  c.sampler.seed = 5;
  c.sampler.chunk = 0;
  c.chains = 512;
  c.multiple = 10;
  c.max_frames = 0;
  const LongRunResult r = run_long(model, c);
  const double expected = ula_stationary_variance(v, 0.1, 0.3);
  EXPECT_NEAR(expected, 0.140625, 1e-12);
  EXPECT_NEAR(r.x_long.to(torch::kFloat64).var().item<double>(), expected, 0.04 * expected);
  EXPECT_NEAR(r.x_long.to(torch::kFloat64).mean().item<double>(), mu, 0.01);
}

// The textbook pairing s = ε²/2, σ = ε with a small ε: the stationary variance 2v²/(2v − ε²/2)
// is 2% above the target v (ε² = 0.02, v = 0.25). 500 steps at contraction 1 − s/v = 0.96
// forget z entirely (0.96^500 ≈ 1e-9).
TEST(LongRun, QuadraticEnergyWithTheTextbookPairingReachesItsGaussianTarget) {
  const double mu = -0.2, v = 0.25, eps = std::sqrt(0.02);
  QuadraticEnergy model({1, 8, 8}, mu, std::sqrt(v));
  LongRunConfig c;
  c.sampler.steps = 50;
  c.sampler.step_size = eps * eps / 2;
  c.sampler.noise_std = eps;
  c.sampler.seed = 9;
  c.sampler.chunk = 0;
  c.chains = 512;
  c.multiple = 10;
  c.max_frames = 0;
  const LongRunResult r = run_long(model, c);
  const double exact = ula_stationary_variance(v, eps * eps / 2, eps);
  EXPECT_NEAR(exact, v / 0.98, 1e-12);
  // 32768 values: the variance's relative standard error is about 0.8%.
  const double var = r.x_long.to(torch::kFloat64).var().item<double>();
  EXPECT_NEAR(var, exact, 0.04 * exact);
  EXPECT_NEAR(var, v, 0.07 * v);
  EXPECT_NEAR(r.x_long.to(torch::kFloat64).mean().item<double>(), mu, 0.015);
  // The mean energy settles at its stationary value −D·Var/(2v) ≈ −32.65 (D = 64).
  const double f_end = r.curves.energy[r.total_steps].mean().item<double>();
  EXPECT_NEAR(f_end, -64 * exact / (2 * v), 1.5);
}

// ---- Contact sheet ----

TEST(ContactSheet, EveryCellIsThePlainRunOfItsChainKAndStepSize) {
  auto model = tiny_net(3);
  ContactSheetConfig c;
  c.sampler = small_sampler(0);
  c.steps = {0, 3, 7};
  c.step_sizes = {0.5, 2};
  c.chain = 18;  // in the second chunk of 16, at position 2
  // The sheet fills in cell by cell, each reported once, with the cells not reached still NaN.
  std::vector<std::pair<int64_t, int64_t>> filled;
  const auto cell_done = [&](const ContactSheetResult& so_far, int64_t row, int64_t col) {
    filled.emplace_back(row, col);
    EXPECT_TRUE(std::isfinite(so_far.energy[row][col].item<double>()));
    EXPECT_EQ(torch::isfinite(so_far.energy).sum().item<int64_t>(), int64_t(filled.size()));
  };
  const ContactSheetResult r = run_contact_sheet(*model, c, nullptr, nullptr, nullptr, cell_done);
  const std::vector<std::pair<int64_t, int64_t>> order = {{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}};
  EXPECT_EQ(filled, order);  // a column (step size) is one run, its rows reached in K order
  ASSERT_FALSE(r.cancelled);
  ASSERT_EQ(r.images.sizes(), (std::vector<int64_t>{3, 2, 1, 32, 32}));
  for (size_t row = 0; row < c.steps.size(); ++row)
    for (size_t col = 0; col < c.step_sizes.size(); ++col) {
      SamplerConfig s = c.sampler;
      s.steps = c.steps[row];
      s.step_size = c.step_sizes[col];
      // What `shortrun sample --n 19` gives for chain 18.
      const torch::Tensor plain = LangevinSampler(*model, s).run(19).x[18];
      EXPECT_TRUE(torch::equal(r.images[row][col], plain)) << "K " << s.steps << " step " << s.step_size;
    }
  // K = 0 is z itself in every column.
  EXPECT_TRUE(torch::equal(r.images[0][0], r.images[0][1]));
  EXPECT_TRUE(std::isnan(r.fd[0][0].item<double>()));
  const torch::Tensor sheet = contact_sheet_image(r);
  EXPECT_EQ(sheet.size(1), 3 * 34 + 2);
  EXPECT_EQ(sheet.size(2), 2 * 34 + 2);
}

TEST(ContactSheet, SettingsAreChecked) {
  ContactSheetConfig c;
  c.steps = {};
  test::expect_error([&] { c.validate(); }, {"values of K"});
  c.steps = {5};
  c.fd_n = 1;
  test::expect_error([&] { c.validate(); }, {"FD samples"});
  c.fd_n = 0;
  c.step_sizes = {1, 0.5};
  const ContactSheetConfig back = nlohmann::json(c).get<ContactSheetConfig>();
  EXPECT_EQ(back.step_sizes, c.step_sizes);
  EXPECT_EQ(back.steps, c.steps);
  auto model = tiny_net(4);
  c.fd_n = 4;
  test::expect_error([&] { run_contact_sheet(*model, c); }, {"without a criterion"});
}

// ---- A/B compare ----

TEST(Compare, BothSidesAreTheirPlainRunsFromTheSameZAndNoise) {
  auto a = tiny_net(5), b = tiny_net(6);
  CompareConfig c;
  c.a = small_sampler(6);
  c.b = small_sampler(9);
  c.b.step_size = 0.5;
  c.b.seed = 999;  // ignored: B uses A's seed (the same z and u_k)
  c.chains = 5;
  const CompareResult r = compare_runs(*a, *b, c);
  ASSERT_FALSE(r.cancelled);
  SamplerConfig sb = c.b;
  sb.seed = c.a.seed;
  EXPECT_TRUE(torch::equal(r.a.x, LangevinSampler(*a, c.a).run(5).x));
  EXPECT_TRUE(torch::equal(r.b.x, LangevinSampler(*b, sb).run(5).x));
  EXPECT_TRUE(torch::equal(r.diff, r.b.x - r.a.x));
  EXPECT_EQ(r.a.curves.steps(), 7);
  EXPECT_EQ(r.b.curves.steps(), 10);
  // The same model and settings on both sides: no difference at all.
  CompareConfig same;
  same.a = small_sampler(4);
  same.b = same.a;
  same.chains = 3;
  const CompareResult z = compare_runs(*a, *a, same);
  EXPECT_EQ(z.diff.abs().max().item<float>(), 0.0f);
  EXPECT_EQ(compare_rms(z).max().item<double>(), 0.0);
  const torch::Tensor img = compare_image(r, c, 3);
  EXPECT_EQ(img.size(0), 3);  // RGB: the difference view is in colour
}

TEST(Compare, ModelsOfDifferentShapesAreRefused) {
  auto a = tiny_net(7);
  QuadraticEnergy q({1, 8, 8}, 0, 1);
  CompareConfig c;
  c.a = small_sampler(2);
  c.b = c.a;
  test::expect_error([&] { compare_runs(*a, q, c); }, {"same shape"});
}

// ---- OOD probe ----

TEST(OodProbe, PercentilesPlaceImagesAmongDataAndSamples) {
  QuadraticEnergy model({1, 4, 4}, 0.0, 0.5);
  OodProbeConfig c;
  c.sampler.steps = 20;
  c.sampler.step_size = 0.01;
  c.sampler.noise_std = 0.1;
  c.reference_n = 64;
  c.chains = true;
  const torch::Tensor data = torch::rand({100, 1, 4, 4}) * 2 - 1;
  // The mode (f = 0, the highest possible) and a far-away constant image.
  const torch::Tensor images = torch::stack({torch::zeros({1, 4, 4}), torch::ones({1, 4, 4})});
  const OodProbeResult r = probe_images(model, images, data, c);
  ASSERT_FALSE(r.cancelled);
  EXPECT_EQ(r.percentile_data[0].item<double>(), 100.0);
  EXPECT_EQ(r.percentile_samples[0].item<double>(), 100.0);
  EXPECT_EQ(r.percentile_data[1].item<double>(), 0.0);
  EXPECT_EQ(r.sample_energy.size(0), 64);
  ASSERT_TRUE(r.chain_x.defined());
  // The image's chain starts at the image: the constant image moves toward the mode.
  EXPECT_GT(r.chain_energy[1].item<double>(), r.energy[1].item<double>());
  EXPECT_EQ(ood_probe_image(images, r).size(1), 2 * 6 + 2);
}

TEST(OodProbe, KnownSampleEnergiesSkipTheReferenceChainsAndGiveTheSameResult) {
  QuadraticEnergy model({1, 4, 4}, 0.0, 0.5);
  OodProbeConfig c;
  c.sampler.steps = 10;
  c.sampler.step_size = 0.01;
  c.sampler.noise_std = 0.1;
  c.reference_n = 32;
  c.chains = true;
  const torch::Tensor data = torch::rand({40, 1, 4, 4}) * 2 - 1;
  const torch::Tensor images = torch::rand({3, 1, 4, 4}) * 2 - 1;
  int64_t first_total = 0, second_total = 0, observed_steps = 0;
  const OodProbeResult a = probe_images(model, images, data, c, [&](int64_t, int64_t t) { first_total = t; });
  const OodProbeResult b = probe_images(model, images, data, c, [&](int64_t, int64_t t) { second_total = t; }, nullptr,
                                        [&](const StepInfo&) { ++observed_steps; }, a.sample_energy);
  EXPECT_EQ(first_total, (32 + 3) * 10);
  EXPECT_EQ(second_total, 3 * 10);  // only the images' own chains ran
  EXPECT_EQ(observed_steps, 11);    // the chain observer saw steps 0..K
  EXPECT_TRUE(torch::equal(a.percentile_samples, b.percentile_samples));
  EXPECT_TRUE(torch::equal(a.chain_x, b.chain_x));
  EXPECT_THROW(probe_images(model, images, data, c, nullptr, nullptr, nullptr, a.sample_energy.narrow(0, 0, 5)), Error);
}

TEST(OodProbe, PercentileRankCountsTiesHalf) {
  const torch::Tensor ref = torch::tensor({1.0, 2.0, 2.0, 3.0}, torch::kFloat64);
  EXPECT_DOUBLE_EQ(percentile_rank(2.0, ref), 50.0);
  EXPECT_DOUBLE_EQ(percentile_rank(0.0, ref), 0.0);
  EXPECT_DOUBLE_EQ(percentile_rank(5.0, ref), 100.0);
  EXPECT_DOUBLE_EQ(percentile_rank(1.5, ref), 25.0);
}

// ---- Shared pieces ----

TEST(ViewCommon, NumbersInCommandLinesReadBackExactly) {
  for (double v : {0.1, 1.0, 0.25, 1e-7, 0.1 + 0.2, 2.0 / 3.0, 12345.678}) {
    const std::string s = format_number(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(shell_quote("a/b.png"), "a/b.png");
  EXPECT_EQ(shell_quote("it's here"), "'it'\\''s here'");
  SamplerConfig c;
  c.mala = true;
  c.temperature = 0.5;
  const std::string flags = sampler_flags(c);
  EXPECT_NE(flags.find("--steps 100 --step-size 1 --noise 0.01 --seed 1"), std::string::npos) << flags;
  EXPECT_NE(flags.find("--mala --temperature 0.5"), std::string::npos) << flags;
}

TEST(ViewCommon, DifferenceColormapIsWhiteAtZeroRedWhereBIsBrighter) {
  const torch::Tensor d = torch::tensor({0.0f, 0.5f, -0.5f, 2.0f}).view({4, 1, 1, 1});
  const torch::Tensor rgb = difference_colormap(d, 0.5);
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{4, 3, 1, 1}));
  const auto px = [&](int i) { return std::vector<float>{rgb[i][0][0][0].item<float>(), rgb[i][1][0][0].item<float>(), rgb[i][2][0][0].item<float>()}; };
  EXPECT_EQ(px(0), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(px(1), (std::vector<float>{1, -1, -1}));
  EXPECT_EQ(px(2), (std::vector<float>{-1, -1, 1}));
  EXPECT_EQ(px(3), px(1));  // clipped at the range
}

TEST(ViewCommon, SideBySideMakesGrayRgbWhenNeeded) {
  const torch::Tensor g = torch::zeros({1, 4, 5}), c = torch::zeros({3, 6, 2});
  const torch::Tensor out = side_by_side({g, c}, 3, 1.0);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 6, 10}));
  EXPECT_EQ(out[0][5][0].item<float>(), 1.0f);  // below the shorter image: padding
}

TEST(ViewCommon, CurvesRecordMalaAcceptanceAndSaturation) {
  QuadraticEnergy model({1, 2, 2}, 0.0, 1.0);
  SamplerConfig c;
  c.steps = 6;
  c.step_size = 0.5;
  c.noise_std = 1.0;
  c.mala = true;
  CurveRecorder rec(c.steps, 8);
  const SampleResult r = LangevinSampler(model, c).run(8, std::nullopt, [&](const StepInfo& s) { rec.record(s); });
  const ChainCurves curves = rec.curves();
  ASSERT_TRUE(curves.accepted.defined());
  EXPECT_EQ(curves.accepted.size(0), 6);
  EXPECT_TRUE(torch::allclose(curves.accepted.mean(0), r.accept_rate.to(torch::kFloat64)));
  const nlohmann::json j = curves.to_json();
  EXPECT_EQ(j["accept_mean"].size(), 6u);
  EXPECT_EQ(j["energy"].size(), 8u);
  EXPECT_EQ(j["energy"][0].size(), 7u);
  const torch::Tensor x = torch::tensor({0.995f, -1.0f, 0.5f, 0.0f}).view({1, 1, 2, 2});
  EXPECT_DOUBLE_EQ(saturated_fraction(x)[0].item<double>(), 0.5);
}

}  // namespace
}  // namespace shortrun

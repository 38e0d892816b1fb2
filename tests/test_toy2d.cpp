// The 2-D playground: toy targets' exact moments, the steppable trainer's API, and short-run
// learning on one Gaussian recovering f ∝ −‖x − μ‖²/(2σ²) up to a constant.
#include <atomic>
#include <cmath>

#include "shortrun/io/safetensors.h"
#include "shortrun/toy2d/toy2d_trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {

// Sample mean and covariance of [N,2] points (float64).
std::pair<std::array<double, 2>, std::array<double, 4>> moments(const torch::Tensor& x_in) {
  const torch::Tensor x = x_in.to(torch::kFloat64);
  const torch::Tensor m = x.mean(0), d = x - m;
  const torch::Tensor c = torch::mm(d.t(), d) / double(x.size(0));
  return {{m[0].item<double>(), m[1].item<double>()},
          {c[0][0].item<double>(), c[0][1].item<double>(), c[1][0].item<double>(), c[1][1].item<double>()}};
}

TEST(Toy2dTarget, SampleMomentsMatchTheExactOnes) {
  // 400,000 points: the standard error of a mean is sqrt(var/n) ≤ 0.003 here, of a covariance
  // entry ≤ 0.006; the tolerances are 6 standard errors or more, so no seed or CPU is unlucky.
  const int64_t n = 400000;
  const torch::Tensor ramp = torch::linspace(0, 1, 12, torch::kFloat64).view({1, 12}).expand({8, 12}).contiguous();
  std::vector<Toy2dTarget> targets;
  for (const std::string& name : toy2d_target_names()) targets.push_back(Toy2dTarget::from_spec(name));
  targets.push_back(Toy2dTarget::from_spec("gaussian:1,-0.5,0.3"));
  targets.push_back(Toy2dTarget::from_grid(ramp));
  for (const Toy2dTarget& t : targets) {
    SCOPED_TRACE(t.spec());
    const auto [m, c] = moments(t.sample(n, CounterNoise(3), 0));
    const auto em = t.mean();
    const auto ec = t.covariance();
    for (int i = 0; i < 2; ++i) EXPECT_NEAR(m[i], em[i], 6 * std::sqrt(std::max(ec[0], ec[3]) / double(n)) + 1e-9) << "mean " << i;
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(c[i], ec[i], 0.04 * std::max(1.0, std::fabs(ec[i]))) << "cov " << i;
    // The density on a grid is normalised and puts its mass where the samples are.
    const torch::Tensor d = t.density_grid(128);
    EXPECT_NEAR(d.sum().item<double>(), 1.0, 1e-9);
    EXPECT_TRUE((d >= 0).all().item<bool>());
  }
  // Known closed forms, written out (not the code's own expressions).
  const double pi = 3.14159265358979323846;
  auto ring = Toy2dTarget::from_spec("ring8").covariance();
  EXPECT_DOUBLE_EQ(ring[0], 2.0 + 0.04);
  auto moons = Toy2dTarget::from_spec("moons").covariance();
  EXPECT_NEAR(moons[0], 4 * 0.75 + 0.01, 1e-12);
  EXPECT_NEAR(moons[3], 4 * (9.0 / 16 - 1 / pi) + 0.01, 1e-12);
  EXPECT_NEAR(moons[1], 4 * (1.0 / 8 - 1 / pi), 1e-12);
  auto board = Toy2dTarget::from_spec("checkerboard").covariance();
  EXPECT_DOUBLE_EQ(board[0], 4.0 / 3);
  EXPECT_DOUBLE_EQ(board[1], 0.25);
  auto spirals = Toy2dTarget::from_spec("spirals").covariance();
  EXPECT_NEAR(spirals[1], -3.5 * 3.5 / (12 * pi), 1e-12);
  // Samples are a pure function of (seed, draw): the same twice, others for another draw.
  const Toy2dTarget r = Toy2dTarget::from_spec("ring8");
  EXPECT_TRUE(torch::equal(r.sample(16, CounterNoise(1), 5), r.sample(16, CounterNoise(1), 5)));
  EXPECT_FALSE(torch::equal(r.sample(16, CounterNoise(1), 5), r.sample(16, CounterNoise(1), 6)));
  test::expect_error([] { Toy2dTarget::from_spec("swissroll"); }, {"swissroll", "ring8"});
  test::expect_error([] { Toy2dTarget::from_spec("gaussian:1,2"); }, {"gaussian:MX,MY,SIGMA"});
  test::expect_error([] { Toy2dTarget::from_grid(torch::zeros({4, 4})); }, {"not all zero"});
}

TEST(Toy2dTrainer, StepsWithSettingsChangedBetweenAndPlainResults) {
  Toy2dSettings s;
  s.steps = 10;
  s.batch = 64;
  s.log_every = 5;
  s.trail_chains = 8;
  Toy2dTrainer t(Toy2dConfig{}, s);
  std::vector<Toy2dLog> logs;
  EXPECT_EQ(t.step(10, nullptr, [&](const Toy2dLog& l) { logs.push_back(l); }), 10);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[1].iteration, 10);
  for (const auto& l : logs) EXPECT_TRUE(std::isfinite(l.kl) && l.kl >= 0 && std::isfinite(l.mmd) && std::isfinite(l.gap));
  // The last chain: K + 1 frames of 8 particles.
  EXPECT_EQ(t.last_chain().frames, 11);
  EXPECT_EQ(t.last_chain().n, 8);
  EXPECT_EQ(t.last_chain().xy.size(), 11u * 8 * 2);
  // New settings take effect at the next iteration.
  s.steps = 4;
  s.lr = 5e-4;
  t.set_settings(s);
  t.step(1);
  EXPECT_EQ(t.last_chain().frames, 5);
  EXPECT_EQ(t.iteration(), 11);
  // Cancel: checked between iterations.
  std::atomic<bool> cancel{true};
  EXPECT_EQ(t.step(100, &cancel), 0);
  // Fields on a grid and short-/long-run particles with trails.
  const Toy2dField f = t.field(32);
  EXPECT_EQ(f.energy.size(), 32u * 32);
  EXPECT_EQ(f.grad.size(), 32u * 32 * 2);
  double total = 0;
  for (float v : f.density) total += v;
  EXPECT_NEAR(total, 1.0, 1e-4);
  const Toy2dParticles shortrun = t.sample(100, 4), longrun = t.sample(100, 40, 10);
  EXPECT_EQ(shortrun.frames, 2);  // x_0 and x_K
  EXPECT_EQ(longrun.frames, 5);   // x_0, x_10, ..., x_40
  s.batch = 1;
  test::expect_error([&] { t.set_settings(s); }, {"batch"});
  // Same seed, same history (what the CLI's reproducibility rests on).
  Toy2dTrainer a(Toy2dConfig{}, Toy2dSettings{}), b(Toy2dConfig{}, Toy2dSettings{});
  a.step(20);
  b.step(20);
  ASSERT_EQ(a.history().size(), b.history().size());
  for (size_t i = 0; i < a.history().size(); ++i) {
    EXPECT_EQ(a.history()[i].gap, b.history()[i].gap);
    EXPECT_EQ(a.history()[i].kl, b.history()[i].kl);
  }
}

TEST(Toy2dTrainer, KlAndMmdSeparateTargetSamplesFromNoise) {
  Toy2dTrainer t(Toy2dConfig{}, Toy2dSettings{});
  const torch::Tensor target = t.target().sample(512, CounterNoise(77), 0);
  const torch::Tensor noise = (CounterNoise(77).uniform(torch::arange(512), 0, NoiseStream::kMisc, {2}) * 2 - 1) * 4;
  EXPECT_LT(t.kl_grid(target) * 5, t.kl_grid(noise));
  EXPECT_LT(t.mmd(target) * 5, t.mmd(noise));
}

}  // namespace
}  // namespace shortrun

namespace shortrun {
namespace {

// Least-squares fit of f(x, y) ≈ c + b·(x, y) + a_xx x² + a_xy xy + a_yy y² over points [P,2].
std::array<double, 6> fit_quadratic(const torch::Tensor& pts, const torch::Tensor& f) {
  const torch::Tensor x = pts.select(1, 0).to(torch::kFloat64), y = pts.select(1, 1).to(torch::kFloat64);
  const torch::Tensor design = torch::stack({torch::ones_like(x), x, y, x * x, x * y, y * y}, 1);
  // Normal equations (6×6, well conditioned on a centred patch).
  const torch::Tensor coef = torch::linalg_solve(torch::mm(design.t(), design), torch::mv(design.t(), f.to(torch::kFloat64)));
  std::array<double, 6> out{};
  for (int i = 0; i < 6; ++i) out[size_t(i)] = coef[i].item<double>();
  return out;
}

// Short-run learning on N(μ, σ²I), μ = (0.5, −0.5), σ = 0.5, with the textbook Langevin pairing
// (step s²/2, noise s): near the data the learned energy is f ≈ −‖x − μ‖²/(2σ²) + const. A
// quadratic is fitted by least squares to f on the disc of radius 2σ around μ. Tolerances: the
// curvatures a_xx, a_yy within ±0.4 of −1/(2σ²) = −2 (the discretised chain alone biases them by
// ~4%), the cross term within ±0.3 of 0, the fitted centre within 0.1 of μ, and the quadratic
// explaining ≥ 97% of f's variance on the disc. (600 iterations; about 4 minutes on a loaded
// 2-core machine, well under one when idle.)
Toy2dSettings small_settings() {
  Toy2dSettings s;
  s.steps = 5;
  s.batch = 32;
  s.log_every = 1;
  s.trail_chains = 0;
  return s;
}

TEST(Toy2dTrainer, WatchdogRollsBackCutsTheRateAndGivesUpAfterMaxRollbacks) {
  Toy2dSettings s = small_settings();
  s.watch_gap = 1e-12;  // every iteration's gap is "runaway": the watchdog's path, deterministically
  s.watch_patience = 3;
  s.rollback_lr_factor = 0.5;
  s.max_rollbacks = 2;
  Toy2dTrainer t(Toy2dConfig{}, s);
  std::vector<Toy2dRollback> rollbacks;
  size_t history_at_rollback = 99;
  test::expect_error([&] {
    t.step(100, nullptr, nullptr, [&](const Toy2dRollback& r) {
      rollbacks.push_back(r);
      history_at_rollback = t.history().size();
    });
  }, {"diverged at iteration 2", "after 2 rollbacks"});
  ASSERT_EQ(rollbacks.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(rollbacks[i].iteration, 2);  // two updates, then the third strike
    EXPECT_EQ(rollbacks[i].to_iteration, 0);
    EXPECT_EQ(rollbacks[i].rollbacks, int64_t(i + 1));
    EXPECT_DOUBLE_EQ(rollbacks[i].lr, s.lr * std::pow(0.5, double(i + 1)));
    EXPECT_NE(rollbacks[i].reason.find("|gap|"), std::string::npos) << rollbacks[i].reason;
  }
  EXPECT_EQ(history_at_rollback, 0u);  // the rolled-back iterations leave the history
  EXPECT_EQ(t.rollbacks(), 2);
  EXPECT_EQ(t.settings().lr, s.lr);  // the run's own rate is kept; only the applied one is cut
  // The weights went back too: the same iterations from the restored state give the same gap.
  Toy2dSettings calm = s;
  calm.watch_gap = 1e9;
  Toy2dTrainer a(Toy2dConfig{}, calm), b(Toy2dConfig{}, calm);
  a.step(1);
  Toy2dSettings twitchy = calm;
  twitchy.watch_gap = 1e-12;
  twitchy.watch_patience = 2;
  b.set_settings(twitchy);
  b.step(2);  // one update, then a rollback to iteration 0
  ASSERT_EQ(b.iteration(), 0);
  b.set_settings(calm);
  b.step(1);
  // b's step from the restored weights ran at half the rate: same start, same noise, so its first
  // logged gap equals a's (measured before the update).
  ASSERT_EQ(a.history().size(), 1u);
  ASSERT_EQ(b.history().size(), 1u);
  EXPECT_EQ(a.history()[0].gap, b.history()[0].gap);
  EXPECT_EQ(b.history()[0].lr, calm.lr * calm.rollback_lr_factor);
}

TEST(Toy2dTrainer, NonFiniteChainsRollBackOrEndTheRunWithoutTheWatchdog) {
  Toy2dSettings s = small_settings();
  s.step_size = 1e300;  // the first Langevin step leaves float32's range: inf, then NaN energies
  s.max_rollbacks = 1;
  Toy2dTrainer t(Toy2dConfig{}, s);
  int seen = 0;
  test::expect_error([&] { t.step(10, nullptr, nullptr, [&](const Toy2dRollback& r) {
    ++seen;
    EXPECT_EQ(r.reason, "non-finite energy or samples");
  }); }, {"after 1 rollbacks", "step size"});
  EXPECT_EQ(seen, 1);
  s.watchdog = false;
  Toy2dTrainer off(Toy2dConfig{}, s);
  test::expect_error([&] { off.step(10); }, {"diverged at iteration 0", "non-finite"});
}

TEST(Toy2dTrainer, KeepsTheWeightsOfTheLowestKlIteration) {
  Toy2dTrainer t(Toy2dConfig{}, small_settings());
  test::expect_error([&] { t.save_best(test::temp_dir("toybest") + "/none.safetensors"); }, {"no best model"});
  t.step(40);
  double lowest = 1e300;
  int64_t at = -1;
  for (const Toy2dLog& l : t.history())
    if (l.kl < lowest) lowest = l.kl, at = l.iteration;
  EXPECT_EQ(t.best_kl(), lowest);
  EXPECT_EQ(t.best_iteration(), at);
  const std::string path = test::temp_dir("toybest") + "/best.safetensors";
  t.save_best(path);
  const SafetensorsFile file = read_safetensors(path);
  const nlohmann::json meta = nlohmann::json::parse(file.metadata.at("shortrun_toy2d"));
  EXPECT_EQ(meta.at("iteration"), at);
  EXPECT_EQ(file.tensors.size(), t.energy()->named_parameters().size());
}

TEST(Toy2dTrainer, OldSettingsFilesLoadWithoutPenaltyOrWatchdog) {
  // A 2-D model saved before the penalty and the watchdog existed trained without both.
  nlohmann::json old = Toy2dSettings{};
  for (const char* k : {"energy_l2", "watchdog", "watch_gap", "watch_patience", "rollback_lr_factor", "max_rollbacks"}) old.erase(k);
  const Toy2dSettings s = old.get<Toy2dSettings>();
  EXPECT_EQ(s.energy_l2, 0.0);
  EXPECT_FALSE(s.watchdog);
  nlohmann::json bad = Toy2dSettings{};
  bad["energy_l2"] = -1;
  test::expect_error([&] { bad.get<Toy2dSettings>(); }, {"energy L2"});
  bad = Toy2dSettings{};
  bad["rollback_lr_factor"] = 1.5;
  test::expect_error([&] { bad.get<Toy2dSettings>(); }, {"watchdog"});
}

TEST(Toy2dTrainer, LearnsTheEnergyOfOneGaussian) {
  Toy2dConfig c;
  c.target = "gaussian:0.5,-0.5,0.5";
  Toy2dSettings s;
  s.steps = 40;
  s.step_size = 0.02;
  s.noise_std = 0.2;
  s.batch = 256;
  s.lr = 2e-3;
  s.log_every = 100;
  Toy2dTrainer t(c, s);
  t.step(600);
  // f on the disc of radius 2σ around μ, from the trainer's own grid evaluation.
  const int64_t g = 64;
  const Toy2dField field = t.field(g);
  std::vector<double> xs, ys, fs;
  for (int64_t row = 0; row < g; ++row)
    for (int64_t col = 0; col < g; ++col) {
      const double x = -field.box + (col + 0.5) * 2 * field.box / g, y = field.box - (row + 0.5) * 2 * field.box / g;
      if (std::hypot(x - 0.5, y + 0.5) > 1.0) continue;
      xs.push_back(x);
      ys.push_back(y);
      fs.push_back(field.energy[size_t(row * g + col)]);
    }
  const torch::Tensor pts = torch::stack({torch::tensor(xs), torch::tensor(ys)}, 1), f = torch::tensor(fs);
  const auto q = fit_quadratic(pts, f);
  const double axx = q[3], axy = q[4], ayy = q[5];
  EXPECT_NEAR(axx, -2.0, 0.4) << "a_xx";
  EXPECT_NEAR(ayy, -2.0, 0.4) << "a_yy";
  EXPECT_NEAR(axy, 0.0, 0.3) << "a_xy";
  // Centre: where ∇ of the fit vanishes, [2axx axy; axy 2ayy]·m = −b.
  const double det = 4 * axx * ayy - axy * axy;
  const double mx = (-q[1] * 2 * ayy + q[2] * axy) / det, my = (-q[2] * 2 * axx + q[1] * axy) / det;
  EXPECT_NEAR(mx, 0.5, 0.1);
  EXPECT_NEAR(my, -0.5, 0.1);
  const torch::Tensor design = torch::stack({torch::ones_like(pts.select(1, 0)), pts.select(1, 0), pts.select(1, 1),
                                             pts.select(1, 0).pow(2), pts.select(1, 0) * pts.select(1, 1), pts.select(1, 1).pow(2)}, 1);
  const torch::Tensor resid = f - torch::mv(design, torch::tensor(std::vector<double>(q.begin(), q.end())));
  EXPECT_GT(1 - resid.pow(2).mean().item<double>() / f.var(false).item<double>(), 0.97);
}

}  // namespace
}  // namespace shortrun

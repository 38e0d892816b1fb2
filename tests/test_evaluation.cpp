// Evaluation: the Fréchet distance against closed forms (diagonal and 2×2 non-commuting
// covariances), its invariances; the nearest-image distance against brute force; the feature net learns and round-trips through its file; the
// trainer's watchdog survives a forced divergence and best.safetensors follows the FD.
#include <cmath>
#include <fstream>
#include <set>

#include "shortrun/io/safetensors.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/training/evaluation.h"
#include "shortrun/training/features.h"
#include "shortrun/training/frechet.h"
#include "shortrun/training/trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {

GaussianStats stats(const std::vector<double>& mean, const std::vector<std::vector<double>>& cov) {
  GaussianStats s;
  s.mean = torch::tensor(mean, torch::kFloat64);
  std::vector<double> flat;
  for (const auto& r : cov) flat.insert(flat.end(), r.begin(), r.end());
  s.cov = torch::tensor(flat, torch::kFloat64).view({int64_t(mean.size()), int64_t(mean.size())});
  s.count = 100;
  return s;
}

TEST(Frechet, DiagonalClosedForm) {
  // Commuting (diagonal) covariances: FD = Σ(μ1−μ2)² + Σ(σ1−σ2)².
  const GaussianStats a = stats({0, 1, 2}, {{4, 0, 0}, {0, 1, 0}, {0, 0, 9}});
  const GaussianStats b = stats({1, 1, 0}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 4}});
  EXPECT_NEAR(frechet_distance(a, b), (1 + 0 + 4) + (1 + 0 + 1), 1e-9);
  EXPECT_NEAR(frechet_distance(a, a), 0.0, 1e-9);
}

TEST(Frechet, TwoByTwoNonCommutingClosedForm) {
  // For 2×2 PSD M: tr √M = √(tr M + 2√det M), with M similar to C1·C2 (same trace and det).
  const GaussianStats a = stats({0, 0}, {{2, 1}, {1, 2}});
  const GaussianStats b = stats({3, -1}, {{1, 0}, {0, 5}});
  const double tr_prod = 2 * 1 + 1 * 0 + 1 * 0 + 2 * 5;  // tr(C1 C2)
  const double det = (2 * 2 - 1) * (1 * 5);
  const double expect = (9 + 1) + (4 + 6) - 2 * std::sqrt(tr_prod + 2 * std::sqrt(det));
  EXPECT_NEAR(frechet_distance(a, b), expect, 1e-9);
  EXPECT_NEAR(frechet_distance(b, a), expect, 1e-9);  // symmetric
}

TEST(Frechet, SamplesOfTheSameDistributionAreCloseAndShiftsAddTheirSquare) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({4000, 8}, torch::kFloat64), y = torch::randn({4000, 8}, torch::kFloat64);
  const double same = frechet_distance(gaussian_stats(x), gaussian_stats(y));
  EXPECT_LT(same, 0.05);
  const double shifted = frechet_distance(gaussian_stats(x), gaussian_stats(x + 2.0));
  EXPECT_NEAR(shifted, 8 * 4.0, 1e-6);  // same covariance: only ‖Δμ‖² remains
  test::expect_error([&] { gaussian_stats(x.narrow(0, 0, 1)); }, {"at least two"});
}

TEST(NearestDistance, MatchesBruteForceAndFindsACopy) {
  torch::manual_seed(5);
  const torch::Tensor ref = torch::rand({300, 3, 8, 8}) * 2 - 1;
  torch::Tensor x = torch::rand({270, 3, 8, 8}) * 2 - 1;  // more than one chunk of 256
  x[7].copy_(ref[42]);
  const torch::Tensor got = nearest_distance(x, ref);
  ASSERT_EQ(got.sizes(), torch::IntArrayRef({270}));
  const torch::Tensor d = (x.flatten(1).unsqueeze(1).to(torch::kFloat64) - ref.flatten(1).unsqueeze(0).to(torch::kFloat64))
                              .pow(2).sum(2).sqrt();  // [270,300] in float64
  const torch::Tensor expect = std::get<0>(d.min(1));
  EXPECT_LT((got.to(torch::kFloat64) - expect).abs().max().item<double>(), 1e-3);
  EXPECT_LT(got[7].item<double>(), 1e-2);  // a copy of a reference image is at distance 0
}

// Two classes a small net must tell apart: a bright top half vs a bright bottom half.
std::pair<torch::Tensor, torch::Tensor> toy_classes(int64_t n) {
  torch::manual_seed(3);
  torch::Tensor x = torch::rand({n, 1, 32, 32}) * 0.4 - 1.0;
  const torch::Tensor y = torch::arange(n) % 2;
  for (int64_t i = 0; i < n; ++i) x[i].narrow(1, y[i].item<int64_t>() ? 16 : 0, 16).add_(1.2);
  return {x, y};
}

TEST(FeatureNet, LearnsAndRoundTripsThroughItsFile) {
  const auto [x, y] = toy_classes(256);
  FeatureTrainConfig cfg;
  cfg.epochs = 2;
  cfg.batch = 32;
  cfg.feature_dim = 16;
  const std::string path = test::temp_dir("feat") + "/f.safetensors";
  const FeatureTrainResult r = train_feature_net(x, y, x, y, cfg, path, "toy");
  EXPECT_GT(r.test_accuracy, 0.95);
  auto a = load_feature_extractor(path, torch::kCPU);
  auto b = load_feature_extractor(path, torch::kCPU);
  const torch::Tensor fa = a->features(x.narrow(0, 0, 8));
  EXPECT_EQ(fa.sizes(), torch::IntArrayRef({8, 16}));
  EXPECT_TRUE(torch::equal(fa, b->features(x.narrow(0, 0, 8))));
  EXPECT_NE(a->description().find("test accuracy 1.0"), std::string::npos) << a->description();
  test::expect_error([&] { load_feature_extractor(test::temp_dir("feat") + "/none.safetensors", torch::kCPU); }, {"none.safetensors"});
}

TEST(FeatureNet, MetadataDescribingMoreWeightsThanTheFileHoldsIsRefusedBeforeBuilding) {
  // Two bytes of metadata (image_size 1024) would otherwise build a 2-billion-weight layer.
  const std::string dir = test::temp_dir("featmeta");
  auto write = [&](const std::string& name, const std::string& meta) {
    write_safetensors(dir + "/" + name, {{"w", torch::zeros({4})}}, {{"shortrun_features", meta}});
    return dir + "/" + name;
  };
  const std::string big = write("big.safetensors", R"({"channels":1,"image_size":1024,"feature_dim":128,"classes":10})");
  test::expect_error([&] { load_feature_extractor(big, torch::kCPU); }, {big, "describes a net of", "holds 4"});
  const std::string cast = write("cast.safetensors", R"({"channels":1e300,"image_size":32,"feature_dim":8,"classes":10})");
  test::expect_error([&] { load_feature_extractor(cast, torch::kCPU); }, {cast, "channels", "1..4"});
  const std::string missing = write("missing.safetensors", R"({"channels":1})");
  test::expect_error([&] { load_feature_extractor(missing, torch::kCPU); }, {missing, "image_size"});
}

TrainerConfig tiny_config() {
  TrainerConfig c;
  c.arch.nf = 4;
  c.sampler.steps = 3;
  c.batch = 8;
  c.iters = 12;
  c.log_every = 1;
  c.checkpoint_every = 2;
  c.sample_every = 1000;
  return c;
}

Dataset toy_data() {
  Dataset d;
  d.images = toy_classes(64).first;
  d.description = "toy";
  return d;
}

std::vector<nlohmann::json> read_metrics(const std::string& dir) {
  std::ifstream in(dir + "/metrics.jsonl");
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(Watchdog, InjectedNonFiniteEnergyRollsBackToTheLastMeasuredCheckpoint) {
  TrainerConfig c = tiny_config();  // 12 iterations, a checkpoint every 2, a log every 1
  c.rollback_lr_factor = 0.5;
  const std::string dir = test::temp_dir("run");
  std::vector<std::string> events;
  int64_t done = 0;
  {
    Trainer t(c, dir, torch::kCPU);
    t.inject_nonfinite_at(7);  // NaN energies at iteration 7, once: no rounding luck involved
    done = t.run(toy_data(), nullptr, [&](const TrainProgress& p) {
      if (!p.event.empty()) events.push_back(p.event + ": " + p.message);
    });
  }  // releases the run directory's lock
  EXPECT_EQ(done, c.iters);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("non-finite energy at iteration 7: rolled back to iteration 6"), std::string::npos) << events[0];
  std::vector<int64_t> logged;
  int rollbacks = 0;
  for (const auto& m : read_metrics(dir)) {
    const std::string e = m.value("event", "");
    if (e == "rollback") {
      ++rollbacks;
      EXPECT_EQ(m["from_iteration"].get<int64_t>(), 7);
      EXPECT_EQ(m["iteration"].get<int64_t>(), 6);
      EXPECT_DOUBLE_EQ(m["lr"].get<double>(), c.lr * 0.5);
    } else if (e.empty()) {
      logged.push_back(m["iteration"].get<int64_t>());
    }
  }
  EXPECT_EQ(rollbacks, 1);
  ASSERT_FALSE(logged.empty());
  EXPECT_EQ(logged.back(), c.iters);
  EXPECT_TRUE(std::is_sorted(logged.begin(), logged.end()) && std::adjacent_find(logged.begin(), logged.end()) == logged.end())
      << "iterations logged before the rollback appear twice";
  // The lowered rate is in the checkpoint: a resumed run keeps it.
  Trainer r = Trainer::resume(dir, torch::kCPU);
  EXPECT_EQ(r.iteration(), c.iters);
}

// Whatever a runaway learning rate does on this CPU (finish after rollbacks, or give up), the
// invariant holds: a checkpoint is written only for weights measured healthy, and every
// rollback returns to such a checkpoint.
TEST(Watchdog, EveryRollbackTargetWasMeasuredHealthy) {
  TrainerConfig c = tiny_config();
  c.iters = 30;
  c.lr = 50.0;
  c.watch_gap = 500;
  c.watch_patience = 2;
  c.rollback_lr_factor = 0.1;
  c.max_rollbacks = 4;
  const std::string dir = test::temp_dir("run");
  Trainer t(c, dir, torch::kCPU);
  try {
    t.run(toy_data(), nullptr, nullptr);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("diverged again"), std::string::npos) << e.what();
  }
  std::set<int64_t> healthy_checkpoints = {0};  // the initial weights are the first target
  for (const auto& m : read_metrics(dir)) {
    const std::string e = m.value("event", "");
    if (e == "checkpoint") {
      EXPECT_TRUE(m["healthy"].get<bool>());
      EXPECT_LE(std::fabs(m["gap"].get<double>()), c.watch_gap) << m.dump();
      healthy_checkpoints.insert(m["iteration"].get<int64_t>());
    } else if (e == "rollback") {
      EXPECT_TRUE(healthy_checkpoints.count(m["iteration"].get<int64_t>())) << "rolled back to an unmeasured state: " << m.dump();
    }
  }
  for (const auto& p : t.model().parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST(Watchdog, GivesUpWithAClearErrorAfterMaxRollbacks) {
  TrainerConfig c = tiny_config();
  c.lr = 1e3;
  c.watch_gap = 1e-6;  // everything counts as runaway
  c.watch_patience = 1;
  c.max_rollbacks = 2;
  Trainer t(c, test::temp_dir("run"), torch::kCPU);
  test::expect_error([&] { t.run(toy_data(), nullptr, nullptr); }, {"diverged again", "2 rollbacks", "latest.safetensors"});
}

TEST(BestCheckpoint, FollowsTheEvaluationFd) {
  const auto [x, y] = toy_classes(128);
  FeatureTrainConfig fc;
  fc.epochs = 1;
  fc.feature_dim = 8;
  const std::string feat = test::temp_dir("feat") + "/f.safetensors";
  train_feature_net(x, y, x, y, fc, feat, "toy");
  TrainerConfig c = tiny_config();
  c.iters = 6;
  c.eval_every = 2;
  c.eval_n = 16;
  c.eval_features = feat;
  c.data = "toy";  // no test split: evaluated against the first training images
  const std::string dir = test::temp_dir("run");
  Trainer t(c, dir, torch::kCPU);
  t.run(toy_data(), nullptr, nullptr);
  std::vector<double> fds;
  double best = INFINITY;
  for (const auto& m : read_metrics(dir))
    if (m.value("event", "") == "eval") {
      fds.push_back(m["fd"].get<double>());
      best = std::min(best, fds.back());
      EXPECT_DOUBLE_EQ(m["best_fd"].get<double>(), best);
    }
  ASSERT_EQ(fds.size(), 3u);
  const LoadedCheckpoint b = load_checkpoint(dir + "/checkpoints/best.safetensors", torch::kCPU);
  EXPECT_DOUBLE_EQ(b.model->card().provenance["eval"]["fd"].get<double>(), best);
}

}  // namespace
}  // namespace shortrun

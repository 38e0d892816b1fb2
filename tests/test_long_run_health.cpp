// Long-run health (issue 25, part 4): chains continued from x_K to K2 are the K-step chains (x_K
// bit-identical to an evaluation's samples), drift/saturation statistics are what they say, and
// --long-run-every logs one line without changing the training trajectory or its resume.
#include <filesystem>
#include <fstream>

#include "shortrun/training/evaluation.h"
#include "shortrun/training/long_run_health.h"
#include "shortrun/training/trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {

TrainerConfig tiny_config() {
  TrainerConfig c;
  c.data = "idx:" + test::fixture("tiny-images-idx3-ubyte.gz");
  c.arch.nf = 4;
  c.sampler.steps = 3;
  c.batch = 4;
  c.iters = 6;
  c.lr = 1e-3;
  c.log_every = 1;
  c.sample_every = 100;
  c.checkpoint_every = 2;
  return c;
}

std::vector<nlohmann::json> metric_lines(const std::string& dir, const std::string& event) {
  std::ifstream in(dir + "/metrics.jsonl");
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.value("event", "") == event) out.push_back(j);
  }
  return out;
}

TEST(LongRunHealth, QuantileInterpolatesLikeNumPy) {
  const torch::Tensor v = torch::tensor({4.0, 1.0, 3.0, 2.0, double(NAN)});
  EXPECT_DOUBLE_EQ(quantile_of(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile_of(v, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile_of(v, 0.5), 2.5);
  EXPECT_NEAR(quantile_of(v, 0.1), 1.3, 1e-12);  // numpy.quantile([1,2,3,4], 0.1) = 1.3
  EXPECT_TRUE(std::isnan(quantile_of(torch::tensor({double(NAN)}), 0.5)));
}

TEST(LongRunHealth, ContinuesTheShortRunChainsAndMeasuresThem) {
  // A quadratic energy N(0.5, 0.3²): from U(-1,1) the chains move towards 0.5 and f rises.
  test::QuadraticEnergy model(DataShape{1, 4, 4}, 0.5, 0.3);
  SamplerConfig s;
  s.steps = 5;
  s.step_size = 0.01;
  s.noise_std = 0.05;
  s.seed = 3;
  const LongRunHealth h = long_run_health(model, s, 0, 300, 40);  // two pieces (256 + 44)
  ASSERT_FALSE(h.cancelled);
  EXPECT_EQ(h.k, 5);
  EXPECT_EQ(h.k2, 40);
  EXPECT_EQ(h.x_short.size(0), 300);
  // x_K is the evaluation's sample of the same chains, bit for bit.
  EXPECT_TRUE(torch::equal(h.x_short, draw_samples(model, s, 300)));
  // ... and x_K2 the K2-step run of them.
  SamplerConfig s2 = s;
  s2.steps = 40;
  EXPECT_TRUE(torch::equal(h.x_long, draw_samples(model, s2, 300)));
  const torch::Tensor d = h.energy_long - h.energy_short;
  EXPECT_NEAR(h.drift, d.mean().item<double>(), 1e-9);
  EXPECT_GT(h.drift, 0);  // towards the mode
  EXPECT_LE(h.drift_p10, h.drift);
  EXPECT_GE(h.drift_p90, h.drift);
  EXPECT_NEAR(h.saturated_short, (h.x_short.abs() >= 0.99).to(torch::kFloat64).mean().item<double>(), 1e-12);
  EXPECT_LT(h.saturated_long, h.saturated_short);
  const nlohmann::json j = to_json(h);
  for (const char* k : {"k", "k2", "chains", "energy_short", "energy_long", "drift", "drift_p10", "drift_p90", "saturated_short",
                        "saturated_long", "seconds"})
    EXPECT_TRUE(j.contains(k)) << k;
  // Bad settings and a cancel.
  test::expect_error([&] { long_run_health(model, s, 0, 4, 5); }, {"K2 = 5", "K = 5"});
  test::expect_error([&] { long_run_health(model, s, 0, 0, 50); }, {"at least 1 chain"});
  std::atomic<bool> cancel{true};
  EXPECT_TRUE(long_run_health(model, s, 0, 4, 50, nullptr, &cancel).cancelled);
}

TEST(LongRunHealth, TrainingWithLongRunsLogsThemAndTrainsTheSameWeights) {
  const TrainerConfig plain = tiny_config();
  TrainerConfig with = plain;
  with.long_run_every = 2;
  with.long_run_steps = 9;
  with.long_run_chains = 5;
  const Dataset data = load_dataset(plain.data);
  const std::string a = test::temp_dir("plain"), b = test::temp_dir("with");
  Trainer ta(plain, a, torch::kCPU), tb(with, b, torch::kCPU);
  ta.run(data, nullptr, nullptr);
  int reported = 0;
  tb.run(data, nullptr, [&](const TrainProgress& p) { reported += p.event == "long_run"; });
  const auto pa = ta.model().named_parameters(), pb = tb.model().named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
  const auto lines = metric_lines(b, "long_run");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(reported, 3);
  EXPECT_TRUE(metric_lines(a, "long_run").empty());
  const std::vector<std::string> keys = {"event", "iteration", "k", "k2", "chains", "energy_short", "energy_long", "drift",
                                         "drift_p10", "drift_p90", "saturated_short", "saturated_long", "fd_short", "fd_long",
                                         "seconds"};
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json& j = lines[i];
    EXPECT_EQ(j.size(), keys.size()) << j.dump();
    for (const auto& k : keys) EXPECT_TRUE(j.contains(k)) << k;
    EXPECT_EQ(j["iteration"], int64_t(2 * (i + 1)));
    EXPECT_EQ(j["k"], 3);
    EXPECT_EQ(j["k2"], 9);
    EXPECT_EQ(j["chains"], 5);
    EXPECT_TRUE(j["fd_short"].is_null() && j["fd_long"].is_null());  // no feature net for idx data
    EXPECT_NEAR(j["drift"].get<double>(), j["energy_long"].get<double>() - j["energy_short"].get<double>(), 1e-9);
  }
  // The settings are part of the run (config.json), and a resumed run has them again.
  std::ifstream in(b + "/config.json");
  const nlohmann::json cfg = nlohmann::json::parse(in);
  EXPECT_EQ(cfg["long_run_every"], 2);
  EXPECT_EQ(cfg["long_run_steps"], 9);
  EXPECT_EQ(cfg["long_run_chains"], 5);
}

TEST(LongRunHealth, AResumedRunLogsTheSameLongRuns) {
  TrainerConfig cfg = tiny_config();
  cfg.long_run_every = 2;
  cfg.long_run_steps = 8;
  cfg.long_run_chains = 3;
  const Dataset data = load_dataset(cfg.data);
  const std::string a = test::temp_dir("a"), b = test::temp_dir("b");
  {
    Trainer full(cfg, a, torch::kCPU);
    full.run(data, nullptr, nullptr);
  }
  std::atomic<bool> stop{false};
  {
    Trainer first(cfg, b, torch::kCPU);
    first.run(data, &stop, [&](const TrainProgress& p) { if (p.iteration == 3) stop = true; });
  }
  Trainer resumed = Trainer::resume(b, torch::kCPU);
  EXPECT_EQ(resumed.config().long_run_every, 2);
  resumed.run(data, nullptr, nullptr);
  auto la = metric_lines(a, "long_run"), lb = metric_lines(b, "long_run");
  ASSERT_EQ(la.size(), 3u);
  ASSERT_EQ(lb.size(), 3u);
  for (size_t i = 0; i < la.size(); ++i) {
    la[i].erase("seconds");
    lb[i].erase("seconds");
    EXPECT_EQ(la[i], lb[i]) << i;
  }
}

TEST(LongRunHealth, BadSettingsAreRefused) {
  TrainerConfig c = tiny_config();
  c.long_run_every = -1;
  test::expect_error([&] { c.validate(); }, {"--long-run-every"});
  c = tiny_config();
  c.long_run_every = 5;
  c.long_run_steps = 3;  // = K
  test::expect_error([&] { c.validate(); }, {"--long-run-steps", "K = 3"});
  c.long_run_steps = 10;
  c.long_run_chains = 1;
  test::expect_error([&] { c.validate(); }, {"--long-run-chains"});
}

}  // namespace
}  // namespace shortrun

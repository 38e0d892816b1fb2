// Learning-rate schedules (exact across resume) and the anatomy diagnostics the trainer logs
// per logged iteration (Nijkamp et al. 2020): gradient norms at k = 0, K/2, K, the step-length
// profile over k and the saturated-pixel fraction.
#include <cmath>
#include <fstream>

#include "shortrun/training/lr_schedule.h"
#include "shortrun/training/trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {

TrainerConfig tiny(const std::string& schedule) {
  TrainerConfig c;
  c.data = "idx:" + test::fixture("tiny-images-idx3-ubyte.gz");
  c.arch.nf = 4;
  c.sampler.steps = 5;
  c.batch = 4;
  c.iters = 6;
  c.lr = 1e-3;
  c.log_every = 1;
  c.sample_every = 100;
  c.checkpoint_every = 2;
  c.lr_schedule = LrSchedule::parse(schedule);
  return c;
}

std::vector<nlohmann::json> logged(const std::string& dir) {
  std::ifstream in(dir + "/metrics.jsonl");
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("event")) out.push_back(j);
  }
  return out;
}

TEST(LrSchedule, ParsesAndMultiplies) {
  EXPECT_EQ(LrSchedule::parse("constant").multiplier(1000), 1.0);
  const LrSchedule step = LrSchedule::parse("step:3:0.5");
  EXPECT_EQ(step.multiplier(0), 1.0);
  EXPECT_EQ(step.multiplier(2), 1.0);
  EXPECT_EQ(step.multiplier(3), 0.5);
  EXPECT_EQ(step.multiplier(7), 0.25);
  const LrSchedule cos = LrSchedule::parse("cosine:100");
  EXPECT_DOUBLE_EQ(cos.multiplier(0), 1.0);
  EXPECT_NEAR(cos.multiplier(50), 0.505, 1e-12);
  EXPECT_DOUBLE_EQ(cos.multiplier(100), LrSchedule::kCosineFloor);
  EXPECT_DOUBLE_EQ(cos.multiplier(5000), LrSchedule::kCosineFloor);  // past the horizon: the floor
  for (const char* s : {"constant", "cosine:100", "step:3:0.5", "step:1000:0.1"})
    EXPECT_EQ(LrSchedule::parse(LrSchedule::parse(s).spec()), LrSchedule::parse(s)) << s;
  for (const char* bad : {"", "linear", "cosine:0", "cosine:x", "step:3", "step:0:0.5", "step:3:1.5", "step:3:-1", "step:3:nan"})
    test::expect_error([&] { LrSchedule::parse(bad); }, {"learning-rate schedule", "step:ITER:FACTOR"});
}

TEST(LrSchedule, TheTrainerFollowsItAndAResumedRunEqualsAStraightOne) {
  for (const std::string schedule : {"cosine", "step:2:0.5"}) {
    SCOPED_TRACE(schedule);
    const TrainerConfig cfg = tiny(schedule);
    const Dataset data = load_dataset(cfg.data);
    const std::string a = test::temp_dir("straight"), b = test::temp_dir("split");
    Trainer full(cfg, a, torch::kCPU);
    full.run(data, nullptr, nullptr);
    EXPECT_EQ(full.config().lr_schedule.horizon, schedule == "cosine" ? 6 : 0);  // cosine: the run's iters
    const auto lines = logged(a);
    ASSERT_EQ(lines.size(), 6u);
    for (size_t i = 0; i < lines.size(); ++i)  // line i logs iteration i+1, whose Adam step was index i
      EXPECT_DOUBLE_EQ(lines[i]["lr"].get<double>(), cfg.lr * full.config().lr_schedule.multiplier(int64_t(i)));
    std::atomic<bool> stop{false};
    {
      Trainer first(cfg, b, torch::kCPU);
      first.run(data, &stop, [&](const TrainProgress& p) { if (p.iteration == 3) stop = true; });
    }
    // config.json is rewritten with another schedule: the checkpoint's schedule still rules.
    {
      std::ifstream in(b + "/config.json");
      nlohmann::json j = nlohmann::json::parse(in);
      j["lr_schedule"] = "constant";
      std::ofstream(b + "/config.json") << j.dump(2);
    }
    Trainer resumed = Trainer::resume(b, torch::kCPU);
    EXPECT_EQ(resumed.config().lr_schedule, full.config().lr_schedule);
    resumed.run(data, nullptr, nullptr);
    const auto pa = full.model().named_parameters(), pb = resumed.model().named_parameters();
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
    const auto lb = logged(b);
    ASSERT_EQ(lb.size(), lines.size());
    for (size_t i = 0; i < lb.size(); ++i) {
      EXPECT_EQ(lb[i]["lr"], lines[i]["lr"]);
      EXPECT_EQ(lb[i]["gap"], lines[i]["gap"]);
      EXPECT_EQ(lb[i]["step_norm_profile"], lines[i]["step_norm_profile"]);
    }
  }
}

TEST(AnatomyDiagnostics, LoggedPerIterationFromTheTrainingChain) {
  TrainerConfig cfg = tiny("constant");
  cfg.sampler.steps = 20;
  cfg.iters = 2;
  const std::string dir = test::temp_dir("diag");
  std::vector<TrainProgress> reports;
  Trainer t(cfg, dir, torch::kCPU);
  t.run(load_dataset(cfg.data), nullptr, [&](const TrainProgress& p) { reports.push_back(p); });
  const auto lines = logged(dir);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(reports.size(), 2u);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& j = lines[i];
    ASSERT_TRUE(j.contains("grad_norm_k") && j["grad_norm_k"].size() == 3) << j.dump();
    for (const auto& g : j["grad_norm_k"]) EXPECT_TRUE(g.is_number() && g.get<double>() >= 0);
    // 20 steps in 16 bins; each bin is a mean step length, which for the paper's update is
    // ‖s·∇f + σ·u‖ > 0.
    ASSERT_EQ(j["step_norm_profile"].size(), 16u);
    for (const auto& v : j["step_norm_profile"]) EXPECT_TRUE(v.is_number() && v.get<double>() > 0);
    const double sat = j["saturated"].get<double>();
    EXPECT_GE(sat, 0.0);
    EXPECT_LE(sat, 1.0);
    EXPECT_DOUBLE_EQ(j["gap"].get<double>(), j["f_data"].get<double>() - j["f_samples"].get<double>());
    // The progress report carries the same numbers (the GUI's live view).
    EXPECT_DOUBLE_EQ(reports[i].grad_norm_start, j["grad_norm_k"][0].get<double>());
    EXPECT_DOUBLE_EQ(reports[i].grad_norm_end, j["grad_norm_k"][2].get<double>());
    EXPECT_EQ(reports[i].step_norm_profile.size(), 16u);
    EXPECT_DOUBLE_EQ(reports[i].saturated, sat);
    // The mean of ‖∇f‖ over the chain lies between its extremes, which include k = 0, K/2, K.
    EXPECT_TRUE(std::isfinite(j["grad_norm"].get<double>()));
  }
  // With clamping every sample pixel lies in [-1, 1]; a huge step drives most of them to the bounds.
  cfg.sampler.clamp = true;
  cfg.sampler.step_size = 1e4;
  cfg.watchdog = false;  // huge steps may give a large gap; this run only looks at saturation
  const std::string clamped = test::temp_dir("clamped");
  Trainer c(cfg, clamped, torch::kCPU);
  c.run(load_dataset(cfg.data), nullptr, nullptr);
  EXPECT_GT(logged(clamped)[0]["saturated"].get<double>(), 0.5);
}

}  // namespace
}  // namespace shortrun

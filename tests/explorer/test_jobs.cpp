// The explorer's visible work, headless: the job list shows running and queued jobs with
// progress and an ETA, cancel by id acts within one evaluation, an image read never waits
// behind a long chains run, long runs keep a bounded trajectory, diverged chains are counted,
// and the words and cost estimates the UI shows.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include <stb_image_write.h>
#include <torch/torch.h>

#include "worker/cost_book.h"
#include "worker/jobs_text.h"
#include "widgets/plots.h"
#include "worker/run_cost.h"
#include "worker/session.h"
#include "views/user_config.h"
#include "shortrun/model/checkpoint.h"
#include "worker/worker.h"

namespace shortrun::explorer {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Nothing these tests start may read or rewrite the user's ~/.config/shortrun: before any test,
// HOME and XDG_CONFIG_HOME point into a temporary folder of this process's own.
const bool g_private_home = [] {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("shortrun_explorer_tests_home_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / ".config");
  ::setenv("HOME", dir.c_str(), 1);
  ::setenv("XDG_CONFIG_HOME", (dir / ".config").c_str(), 1);
  return true;
}();

template <typename Pred>
bool wait_for(Pred pred, std::chrono::seconds timeout = 120s) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

const JobStatus* find_job(const std::vector<JobStatus>& jobs, const std::string& kind) {
  for (const JobStatus& j : jobs)
    if (j.kind == kind) return &j;
  return nullptr;
}

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("shortrun_jobs_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir);
    torch::manual_seed(3);
    ArchSpec spec;
    spec.nf = 4;
    NativeEnergyModel model(spec);
    model.card().sampler.steps = 6;
    model.card().sampler.step_size = 0.5;
    model.card().sampler.noise_std = 0.05;
    path = (dir / "tiny.safetensors").string();
    save_checkpoint(path, model);
    WorkerOptions o;
    o.threads = 1;
    o.trajectory_budget_bytes = budget;
    worker = std::make_unique<Worker>(o);
    worker->load_model(path);
    ASSERT_TRUE(wait_for([&] { return worker->published().model != nullptr && worker->idle(); }))
        << worker->published().error;
  }
  void TearDown() override {
    worker.reset();
    std::filesystem::remove_all(dir);
  }
  SamplerSettings defaults() const { return worker->published().model->defaults; }

  size_t budget = size_t(256) << 20;
  std::filesystem::path dir;
  std::string path;
  std::unique_ptr<Worker> worker;
};

TEST_F(JobsTest, ListShowsRunningWithProgressAndEtaThenQueuedThenEmpty) {
  SamplerSettings s = defaults();
  s.steps = 20000;  // far longer than the test waits
  s.chains = 4;
  worker->sample(s);
  ReconRequest r;
  r.sampler = defaults();
  r.iters = 2;
  r.observed.assign(32 * 32, 0.0f);
  r.mask.assign(32 * 32, 1.0f);
  worker->reconstruct(r);
  // Running: the chains, with steps done of K and an ETA from the measured rate.
  ASSERT_TRUE(wait_for([&] {
    const auto p = worker->published();
    const JobStatus* j = find_job(p.jobs, "sample");
    return j && j->state == "running" && j->done >= 3 && j->eta_s > 0;
  }));
  Published p = worker->published();
  ASSERT_GE(p.jobs.size(), 2u);
  EXPECT_EQ(p.jobs[0].kind, "sample");
  EXPECT_EQ(p.jobs[0].unit, "step");
  EXPECT_EQ(p.jobs[0].total, 20000);
  EXPECT_NE(job_progress_text(p.jobs[0]).find("left"), std::string::npos) << job_progress_text(p.jobs[0]);
  const JobStatus* queued = find_job(p.jobs, "reconstruction");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->state, "queued");
  EXPECT_NE(jobs_status_line(p.jobs).find("+1 queued"), std::string::npos) << jobs_status_line(p.jobs);
  // Stop the chains by id: the reconstruction then runs, and the list empties.
  ASSERT_TRUE(worker->cancel(p.jobs[0].id));
  ASSERT_TRUE(wait_for([&] { return worker->idle(); }));
  p = worker->published();
  EXPECT_TRUE(p.jobs.empty());
  EXPECT_TRUE(p.chains->cancelled.load());
  ASSERT_TRUE(p.recon);
  EXPECT_TRUE(p.recon->finished.load());
  EXPECT_FALSE(worker->cancel(12345));
}

TEST_F(JobsTest, InterpolationStripReportsItsSteps) {
  InterpRequest r;
  r.sampler = defaults();
  r.sampler.steps = 20000;
  for (int i = 0; i < 8; ++i) r.rho.push_back(float(i) / 7.0f);
  worker->interpolate(r, false);
  ASSERT_TRUE(wait_for([&] {
    const auto p = worker->published();
    const JobStatus* j = find_job(p.jobs, "interpolation");
    return j && j->state == "running" && j->done >= 2;
  }));
  const JobStatus* j = find_job(worker->published().jobs, "interpolation");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->total, 20000);
  EXPECT_EQ(j->unit, "step");
  worker->cancel_all();
  ASSERT_TRUE(wait_for([&] { return worker->idle(); }));
}

TEST_F(JobsTest, StopDuringTheFirstReconstructionIterationLandsWithinIt) {
  // One iteration is K network evaluations forward; with K = 5000 it lasts far longer than
  // the 300 ms we wait, so a stop that only acted between iterations would show done >= 1.
  ReconRequest r;
  r.sampler = defaults();
  r.sampler.steps = 5000;
  r.iters = 3;
  r.observed.assign(32 * 32, 0.0f);
  r.mask.assign(32 * 32, 1.0f);
  worker->reconstruct(r);
  ASSERT_TRUE(wait_for([&] { return find_job(worker->published().jobs, "reconstruction") != nullptr &&
                                    worker->published().recon != nullptr; }));
  std::this_thread::sleep_for(300ms);
  const auto t0 = Clock::now();
  worker->cancel_all();
  ASSERT_TRUE(wait_for([&] { return worker->idle(); }, 60s));
  const double latency = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto run = worker->published().recon;
  EXPECT_TRUE(run->cancelled.load());
  EXPECT_EQ(run->done.load(), 0) << "the stop waited for an iteration to end";
  EXPECT_LT(latency, 5.0);  // generous: one evaluation of a 4-filter net is well under a millisecond
}

TEST_F(JobsTest, ImageReadDoesNotWaitBehindALongChainsRun) {
  SamplerSettings s = defaults();
  s.steps = 20000;
  s.chains = 4;
  worker->sample(s);
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().chains; return c && c->ready.load() > 2; }));
  std::vector<uint8_t> px(28 * 28, 200);
  const std::string png = (dir / "img.png").string();
  ASSERT_TRUE(stbi_write_png(png.c_str(), 28, 28, 1, px.data(), 28));
  worker->load_image(png);
  ASSERT_TRUE(wait_for([&] { return worker->published().image != nullptr; }, 60s)) << worker->published().error;
  // The chains are still running: the image did not wait for them.
  EXPECT_FALSE(worker->published().chains->finished.load());
  EXPECT_EQ(worker->published().image->pixels.size(), 32u * 32u);
  worker->cancel_all();
}

TEST_F(JobsTest, LongRunsKeepABoundedTrajectoryAndEveryStepsStatistics) {
  SamplerSettings s = defaults();
  s.steps = 300;
  s.chains = 2;
  // Reload with a budget of 40 images of 2×32×32 floats.
  budget = 40 * 2 * 32 * 32 * sizeof(float);
  TearDown();
  SetUp();
  worker->sample(s);
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().chains; return c && c->finished.load(); }));
  const auto run = worker->published().chains;
  EXPECT_EQ(run->stride, trajectory_stride(300, 2 * 32 * 32 * sizeof(float), budget));
  EXPECT_GT(run->stride, 1);
  int kept = 0;
  for (int k = 0; k <= 300; ++k) {
    EXPECT_EQ(run->energy[k].size(), 2u) << k;  // statistics at every step
    if (!run->frames[k].empty()) {
      ++kept;
      EXPECT_TRUE(k % run->stride == 0 || k == 300) << k;
    }
  }
  EXPECT_LE(kept, 40);
  EXPECT_FALSE(run->frames[300].empty());
  EXPECT_EQ(run->kept(299), 299 - 299 % run->stride);
}

TEST_F(JobsTest, DivergedChainsAreCountedFromTheirFirstStep) {
  SamplerSettings s = defaults();
  s.steps = 5;
  s.chains = 3;
  s.noise_std = 3e38f;  // x_1 = z + s·∇f + 3e38·u overflows wherever |u| > 1.14: every chain, at once
  s.clamp = false;
  worker->sample(s);
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().chains; return c && c->finished.load(); }));
  const auto run = worker->published().chains;
  EXPECT_EQ(run->diverged.load(), 3);
  EXPECT_EQ(run->first_divergence.load(), 1);  // x_0 = z is finite; x_1 is not
  EXPECT_EQ(run->alive[0], std::vector<uint8_t>(3, 1));
  EXPECT_EQ(run->alive[1], std::vector<uint8_t>(3, 0));
}

TEST_F(JobsTest, AStuckJobCanBeLeftBehindAndANewWorkerGoesOn) {
  // A job that ignores its stop (as a TorchScript forward that never returns would).
  static std::atomic<bool> release{false};
  worker->post_for_test("stuck", [](const std::atomic<bool>&) {
    while (!release.load()) std::this_thread::sleep_for(5ms);
  });
  ASSERT_TRUE(wait_for([&] {
    auto p = worker->published();
    return !p.jobs.empty() && p.jobs[0].label == "stuck" && p.jobs[0].state == "running";
  }));
  worker->cancel_all();
  std::this_thread::sleep_for(50ms);
  ASSERT_FALSE(worker->published().jobs.empty());
  EXPECT_EQ(worker->published().jobs[0].state, "cancelling");
  worker->abandon();
  Worker* left_behind = worker.release();  // never destroyed: its thread still runs
  (void)left_behind;
  WorkerOptions o;
  o.threads = 1;
  worker = std::make_unique<Worker>(o);
  worker->load_model(path);
  SamplerSettings s;
  s.steps = 3;
  s.chains = 2;
  worker->sample(s);
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().chains; return c && c->finished.load(); }));
  release.store(true);  // let the old thread end (it then sees stop and returns)
}

TEST(JobsText, DurationsAndProgress) {
  EXPECT_EQ(format_duration(0.3), "<1 s");
  EXPECT_EQ(format_duration(12.4), "12 s");
  EXPECT_EQ(format_duration(185), "3 min 05 s");
  EXPECT_EQ(format_duration(7800), "2 h 10 min");
  JobStatus j;
  j.state = "running";
  j.unit = "iteration";
  j.done = 3;
  j.total = 100;
  j.eta_s = 80;
  EXPECT_EQ(job_progress_text(j), "iteration 3/100 \xc2\xb7 1 min 20 s left");
  j.total = 0;
  j.elapsed_s = 4;
  EXPECT_EQ(job_progress_text(j), "4 s");
  EXPECT_EQ(jobs_status_line({}), "idle");
}

// Issue 23 (15): "1 chains", "every 25-th image", "every 2-th image".
TEST(JobsText, CountsAndOrdinalsReadAsEnglish) {
  EXPECT_EQ(count_of(1, "chain"), "1 chain");
  EXPECT_EQ(count_of(16, "chain"), "16 chains");
  EXPECT_EQ(count_of(0, "chain"), "0 chains");
  EXPECT_EQ(count_of(2, "image", "images"), "2 images");
  const std::pair<int, const char*> cases[] = {{1, "1st"}, {2, "2nd"}, {3, "3rd"}, {4, "4th"}, {11, "11th"}, {12, "12th"},
                                               {13, "13th"}, {21, "21st"}, {22, "22nd"}, {25, "25th"}, {101, "101st"},
                                               {111, "111th"}, {112, "112th"}};
  for (const auto& [n, want] : cases) EXPECT_EQ(ordinal(n), want) << n;
  RunCost c;
  c.seconds = 3;
  c.stride = 2;
  c.kept_images = 51;
  EXPECT_NE(describe_cost(c, 100).find("keeping every 2nd image (51 of 101)"), std::string::npos) << describe_cost(c, 100);
  c.stride = 25;
  EXPECT_NE(describe_cost(c, 100).find("every 25th image"), std::string::npos) << describe_cost(c, 100);
}

TEST(RunCost, StrideBoundsTheKeptImagesAndAsksAboveTheThresholds) {
  const size_t image = 16 * 32 * 32 * sizeof(float);  // 64 KiB per step for 16 chains
  EXPECT_EQ(trajectory_stride(100, image, kTrajectoryBudgetBytes), 1);
  for (int steps : {5000, 100000, 999999}) {
    const int s = trajectory_stride(steps, image, kTrajectoryBudgetBytes);
    const size_t kept = size_t(steps / s + 1 + (steps % s ? 1 : 0));
    EXPECT_LE(kept * image, kTrajectoryBudgetBytes) << steps;
    EXPECT_GT(size_t(steps / std::max(1, s - 1) + 1) * image, kTrajectoryBudgetBytes / 2) << "stride larger than needed";
  }
  SamplerSettings st;
  st.chains = 16;
  st.steps = 100000;
  const RunCost c = estimate_run_cost(st, ImageShape{0, 1, 32, 32}, 800.0, kTrajectoryBudgetBytes);
  EXPECT_NEAR(c.seconds, 100000.0 * 16 / 800.0, 1e-6);
  EXPECT_TRUE(needs_confirmation(c));
  EXPECT_LT(c.bytes, double(kTrajectoryBudgetBytes) + 100000.0 * 16 * 13 + 100001.0 * 5 * 24 + 1);
  st.steps = 100;
  EXPECT_FALSE(needs_confirmation(estimate_run_cost(st, ImageShape{0, 1, 32, 32}, 800.0, kTrajectoryBudgetBytes)));
  EXPECT_FALSE(needs_confirmation(estimate_run_cost(st, ImageShape{0, 1, 32, 32}, 0.0, kTrajectoryBudgetBytes)));
}

// Issue 23: a model switch priced the new model's runs with the old model's speed (a slow
// model's rate asked "about 29 s" for a 2 s run, and a script waiting for the model then waited
// on a prompt nobody answered). Rates belong to one model and device; a new one starts cold.
TEST(CostBook, RatesBelongToOneModelAndColdStartScalesWithSize) {
  ModelInfo small, big;
  small.id = 7, small.device = "cpu", small.threads = 1, small.parameters = 170000, small.shape = ImageShape{0, 1, 32, 32};
  big = small;
  big.id = 9, big.parameters = 2762241;
  CostBook book;
  EXPECT_TRUE(book.follow(big));
  EXPECT_FALSE(book.follow(big));
  const double cold_big = book.chain_steps_per_s();
  // Cold: 0.4 GFLOP per chain-step for the paper-size net (DESIGN.md) at a conservative CPU rate.
  EXPECT_NEAR(cold_flops_per_chain_step(big.parameters, big.shape), 0.4e9, 0.02e9);
  EXPECT_GT(cold_big, 50.0);
  EXPECT_LT(cold_big, 400.0);
  EXPECT_FALSE(book.measured(WorkKind::kChainStep));
  book.record(WorkKind::kChainStep, 400, 0.1);  // too short to be a rate
  EXPECT_FALSE(book.measured(WorkKind::kChainStep));
  book.record(WorkKind::kChainStep, 400, 40.0);  // a slow machine: 10 chain-steps/s
  EXPECT_DOUBLE_EQ(book.chain_steps_per_s(), 10.0);
  EXPECT_DOUBLE_EQ(book.seconds(WorkKind::kChainStep, 100), 10.0);
  // Other kinds follow the chains' measured rate until they measure their own.
  EXPECT_DOUBLE_EQ(book.seconds(WorkKind::kReconStep, 100), 30.0);
  EXPECT_NEAR(book.seconds(WorkKind::kEval, 300), 10.0, 1e-9);
  book.record(WorkKind::kEval, 300, 5.0);
  EXPECT_NEAR(book.seconds(WorkKind::kEval, 300), 5.0, 1e-9);
  // The switch: nothing measured on the big model prices the small one.
  EXPECT_TRUE(book.follow(small));
  EXPECT_FALSE(book.measured(WorkKind::kChainStep));
  EXPECT_FALSE(book.any_measured());
  EXPECT_NEAR(book.chain_steps_per_s(), 1.0 / cold_seconds_per_chain_step(small.parameters, small.shape, "cpu", 1), 1e-6);
  EXPECT_GT(book.chain_steps_per_s(), 3 * cold_big);  // the small net is faster, though not 16x: see ColdEstimateShape
  SamplerSettings s;
  s.chains = 4;
  EXPECT_FALSE(needs_confirmation(estimate_run_cost(s, small.shape, book.chain_steps_per_s(), kTrajectoryBudgetBytes)));
  EXPECT_NE(book.basis().find("estimated from the model's size"), std::string::npos) << book.basis();
  // Another device or thread count is another machine: its rates start afresh too.
  book.record(WorkKind::kChainStep, 400, 4.0);
  small.threads = 2;
  EXPECT_TRUE(book.follow(small));
  EXPECT_FALSE(book.measured(WorkKind::kChainStep));
}

// Issue 23 (17): the tests' own config folder, never the user's.
TEST(PrivateHome, TestsNeverSeeTheUsersConfig) {
  ASSERT_TRUE(g_private_home);
  const std::string home = std::getenv("HOME");
  EXPECT_NE(home.find("shortrun_explorer_tests_home_"), std::string::npos) << home;
  UserConfig config;  // the default folder, as the explorer picks it
  EXPECT_EQ(config.dir().rfind(home, 0), 0u) << config.dir();
}

// Issue 23 (14): two runs' latest.safetensors looked the same in Recent files.
TEST(RecentLabels, EachIsTheShortestTailNoOtherShares) {
  EXPECT_EQ(distinct_tails({"/home/u/runs/a/checkpoints/latest.safetensors", "/home/u/runs/b/checkpoints/latest.safetensors",
                            "/opt/shortrun/fmnist.safetensors"}),
            (std::vector<std::string>{"a/checkpoints/latest.safetensors", "b/checkpoints/latest.safetensors",
                                      "fmnist.safetensors"}));
  EXPECT_EQ(distinct_tails({"/x/m.pth", "/y/x/m.pth", "/x/n.pth"}),
            (std::vector<std::string>{"/x/m.pth", "/y/x/m.pth", "n.pth"}));
  EXPECT_EQ(distinct_tails({}), std::vector<std::string>{});
}

// Issue 23 section 1: every costly job waits for a yes the way a chains run does.
TEST(JobPrompt, AJobOverTheLineWaitsForAYesAndANoDropsIt) {
  Session s(WorkerOptions{});
  int started = 0;
  EXPECT_TRUE(s.run_or_ask("cheap", 2.0, [&] { ++started; }));
  EXPECT_EQ(started, 1);
  EXPECT_FALSE(s.job_prompt.open);
  EXPECT_FALSE(s.run_or_ask("Reconstruct: 100 iterations", 7200.0, [&] { ++started; }));
  EXPECT_TRUE(s.job_prompt.open);
  EXPECT_EQ(started, 1);
  s.confirm_job();
  EXPECT_EQ(started, 2);
  EXPECT_FALSE(s.job_prompt.open);
  EXPECT_FALSE(s.run_or_ask("OOD probe", 600.0, [&] { ++started; }));
  EXPECT_EQ(s.decline_job(), "not started: OOD probe");
  s.confirm_job();  // nothing left to confirm
  EXPECT_EQ(started, 2);
}

TEST(PlotTicks, NiceStepsCoverTheRange) {
  EXPECT_EQ(nice_ticks(100, 6), (std::vector<int>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(nice_ticks(7, 10), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  const std::vector<int> t = nice_ticks(100000, 8);
  EXPECT_LE(t.size(), 8u);
  EXPECT_EQ(t.front(), 0);
  EXPECT_GE(t.back() + (t[1] - t[0]), 100000);
}

// Issue 23: the size-based first estimate was ~4x optimistic for small nets (flops alone: a net
// 16x smaller was priced 16x faster, though its steps are bound by fixed per-step work). The
// shape of the formula, not a timing: a fixed floor plus flops.
TEST(CostBook, ColdEstimateShape) {
  const ImageShape img{0, 1, 32, 32};
  const auto rate = [&](int64_t params, int threads = 1, const char* device = "cpu") {
    return 1.0 / cold_seconds_per_chain_step(params, img, device, threads);
  };
  // A tiny net is bounded by the fixed part: ~2,000 chain-steps/s however small.
  EXPECT_LT(rate(1000), 2000.0);
  EXPECT_GT(rate(1000), 1500.0);
  EXPECT_NEAR(rate(100) / rate(1000), 1.0, 0.02);
  // Measured on the 2-core CPU, one thread, 16 chains (the machine shared): n_f = 4 (11 k
  // parameters) 1,500-2,200; the bundled n_f = 16 (174 k) 650-1,300 (2,400 at K = 250); n_f = 32
  // (693 k) 260-330; n_f = 64 (2.76 M) 75-90. The estimate stays within 2x of each.
  const struct { int64_t params; double lo, hi; } measured[] = {
      {11361, 1500, 2200}, {174465, 650, 1300}, {692993, 260, 330}, {2762241, 75, 90}};
  for (const auto& m : measured) {
    EXPECT_GT(rate(m.params), m.hi / 2) << m.params;
    EXPECT_LT(rate(m.params), m.lo * 2) << m.params;
  }
  // Large nets are bound by flops: doubling a large net halves its rate, and threads help there.
  EXPECT_NEAR(rate(20000000) / rate(40000000), 2.0, 0.05);
  EXPECT_NEAR(rate(20000000, 2) / rate(20000000, 1), 2.0, 0.05);
  EXPECT_LT(rate(1000, 2) / rate(1000, 1), 1.1);  // but not with the fixed part
  // A GPU prices far higher than a CPU for the same net.
  EXPECT_GT(rate(2762241, 1, "cuda"), 20 * rate(2762241, 2));
}

}  // namespace
}  // namespace shortrun::explorer

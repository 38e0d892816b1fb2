// The explorer's torch worker, headless: its chains are exactly the sampler's, a stale run is
// cancelled within a step when a new one is posted, the live ρ image matches the strip, a
// reconstruction streams its curve, and a bad file leaves the loaded model in place.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <torch/torch.h>

#include "shortrun/model/checkpoint.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "worker/worker.h"

namespace shortrun::explorer {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool wait_for(Pred pred, std::chrono::seconds timeout = 120s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("shortrun_worker_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir);
    torch::manual_seed(3);
    ArchSpec spec;
    spec.nf = 4;
    model = std::make_unique<NativeEnergyModel>(spec);
    model->card().sampler.steps = 6;
    model->card().sampler.step_size = 0.5;
    model->card().sampler.noise_std = 0.05;
    path = (dir / "tiny.safetensors").string();
    save_checkpoint(path, *model);
    WorkerOptions o;
    o.threads = 1;
    worker = std::make_unique<Worker>(o);
    worker->load_model(path);
    ASSERT_TRUE(wait_for([&] { return worker->published().model != nullptr; })) << worker->published().error;
  }
  void TearDown() override {
    worker.reset();
    std::filesystem::remove_all(dir);
  }
  SamplerSettings defaults() const { return worker->published().model->defaults; }

  std::filesystem::path dir;
  std::string path;
  std::unique_ptr<NativeEnergyModel> model;
  std::unique_ptr<Worker> worker;
};

TEST_F(WorkerTest, ChainsAreExactlyTheSamplersAndEveryStepIsKept) {
  SamplerSettings s = defaults();
  s.chains = 5;
  s.seed = 11;
  worker->sample(s);
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().chains; return c && c->finished.load(); }));
  const auto run = worker->published().chains;
  ASSERT_EQ(run->ready.load(), s.steps + 1);
  SamplerConfig cfg = model->card().sampler;
  cfg.seed = 11;
  std::vector<torch::Tensor> states;
  LangevinSampler(*model, cfg).run(5, std::nullopt, [&](const StepInfo& i) { states.push_back(i.x.clone()); });
  ASSERT_EQ(int(states.size()), s.steps + 1);
  for (int k = 0; k <= s.steps; ++k) {
    const torch::Tensor nhwc = states[k].permute({0, 2, 3, 1}).contiguous();
    const std::vector<float> expect(nhwc.data_ptr<float>(), nhwc.data_ptr<float>() + nhwc.numel());
    EXPECT_EQ(run->frames[k], expect) << "step " << k;
    EXPECT_EQ(run->energy[k].size(), 5u);
  }
  EXPECT_EQ(run->delta_norm[s.steps], std::vector<float>(5, 0.0f));
  EXPECT_GT(run->delta_norm[0][0], 0.0f);
}

TEST_F(WorkerTest, StaleRunIsCancelledWithinAStep) {
  SamplerSettings s = defaults();
  s.steps = 2000;  // far longer than the test waits
  s.chains = 4;
  worker->sample(s);
  std::shared_ptr<ChainRun> first;
  ASSERT_TRUE(wait_for([&] { first = worker->published().chains; return first && first->ready.load() >= 3; }));
  const int ready_at_post = first->ready.load();
  s.seed += 1;
  s.steps = 4;
  worker->sample(s);
  ASSERT_TRUE(wait_for([&] { return first->cancelled.load(); }, 30s));
  // The step in flight may finish (and one more may start before the post lands), no more.
  EXPECT_LE(first->ready.load(), ready_at_post + 2);
  EXPECT_FALSE(first->finished.load());
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().chains; return c && c != first && c->finished.load(); }));
  EXPECT_EQ(worker->published().chains->settings.seed, s.seed);
}

TEST_F(WorkerTest, LiveRhoImageMatchesTheStripsImage) {
  InterpRequest r;
  r.sampler = defaults();
  r.seed_a = 3;
  r.seed_b = 8;
  r.chain_b = 2;
  r.rho = {0.0f, 0.5f, 1.0f};
  worker->interpolate(r, false);
  r.rho = {0.5f};
  worker->interpolate(r, true);
  ASSERT_TRUE(wait_for([&] { auto p = worker->published(); return p.interp_live && p.interp_strip; }));
  const auto p = worker->published();
  const size_t image = p.interp_strip->shape.image_floats();
  ASSERT_EQ(p.interp_live->images.size(), image);
  const std::vector<float> middle(p.interp_strip->images.begin() + image, p.interp_strip->images.begin() + 2 * image);
  // The live image runs as a batch of one (fast), the strip in chunks of 16: equal to rounding.
  for (size_t i = 0; i < image; ++i) ASSERT_NEAR(p.interp_live->images[i], middle[i], 1e-4) << i;
  EXPECT_NEAR(p.interp_live->energy[0], p.interp_strip->energy[1], 1e-3 * std::abs(p.interp_strip->energy[1]) + 1e-4);
}

TEST_F(WorkerTest, ReconstructionStreamsItsCurveAndGivesZ) {
  ReconRequest r;
  r.sampler = defaults();
  r.iters = 6;
  r.observed.assign(32 * 32, -1.0f);
  for (int i = 0; i < 32 * 32; i += 3) r.observed[i] = 0.8f;
  r.mask.assign(32 * 32, 1.0f);
  worker->reconstruct(r);
  ASSERT_TRUE(wait_for([&] { auto c = worker->published().recon; return c && c->finished.load(); }));
  const auto run = worker->published().recon;
  EXPECT_EQ(run->done.load(), 6);
  EXPECT_LT(run->curve[6], run->curve[0]);
  EXPECT_EQ(run->z.size(), 32u * 32u);
  ASSERT_TRUE(std::atomic_load(&run->latest));
}

TEST_F(WorkerTest, CorruptFileIsAnErrorAndTheModelStays) {
  const std::string bad = (dir / "corrupt.safetensors").string();
  std::ofstream(bad) << "this is not a checkpoint";
  const uint64_t before = worker->published().model->id;
  const uint64_t errors = worker->published().error_version;
  worker->load_model(bad);
  ASSERT_TRUE(wait_for([&] { return worker->published().error_version != errors && worker->idle(); }));
  const auto p = worker->published();
  EXPECT_NE(p.error.find("corrupt.safetensors"), std::string::npos) << p.error;
  EXPECT_EQ(p.error.find('\n'), std::string::npos);
  ASSERT_TRUE(p.model);
  EXPECT_EQ(p.model->id, before);
}

}  // namespace
}  // namespace shortrun::explorer

// CUDA against the CPU (run only where a GPU is present; skipped elsewhere): Philox bits,
// the fused update, exact-mode chains, and graph replays against eager steps.
#include <cstdlib>
#include <string>

#include "shortrun/base/build_info.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/langevin_update.h"
#include "shortrun/sampling/noise.h"
#include "test_util.h"

namespace shortrun {
namespace {

bool have_cuda() { return torch::cuda::is_available() && built_with_cuda(); }
// SHORTRUN_EXPECT_CUDA=1 (scripts/gpu_check.sh sets it): on the GPU machine a skip would hide a
// build without kernels or a device that did not come up, so it fails instead.
bool expect_cuda() {
  const char* v = std::getenv("SHORTRUN_EXPECT_CUDA");
  return v && std::string(v) == "1";
}
#define REQUIRE_CUDA()                                                                                       \
  if (!have_cuda()) {                                                                                        \
    const char* why = built_with_cuda() ? "no CUDA device" : "built against a CPU LibTorch";                 \
    if (expect_cuda()) FAIL() << "SHORTRUN_EXPECT_CUDA=1 but " << why;                                       \
    GTEST_SKIP() << why;                                                                                     \
  }

TEST(Cuda, PhiloxBitsAndNormalsMatchTheCpu) {
  REQUIRE_CUDA();
  const torch::Tensor chains = torch::tensor({int64_t(0), int64_t(1), int64_t(77), int64_t(1) << 33}, torch::kInt64);
  CounterNoise noise(123);
  EXPECT_TRUE(torch::equal(noise.bits(chains.cuda(), 4, 3, 37).cpu(), noise.bits(chains, 4, 3, 37)));
  EXPECT_TRUE(torch::equal(noise.uniform(chains.cuda(), 4, NoiseStream::kInitUniform, {3, 5}).cpu(),
                           noise.uniform(chains, 4, NoiseStream::kInitUniform, {3, 5})));
  // Box–Muller in double: CUDA's log/cos/sin may differ from glibc's in the last double bit.
  const torch::Tensor g = noise.normal(chains.cuda(), 4, NoiseStream::kLangevin, {1, 32, 32}).cpu();
  const torch::Tensor c = noise.normal(chains, 4, NoiseStream::kLangevin, {1, 32, 32});
  EXPECT_LE((g - c).abs().max().item<float>(), 1e-6f);
}

TEST(Cuda, FusedUpdateMatchesTheCpu) {
  REQUIRE_CUDA();
  torch::manual_seed(2);
  const torch::Tensor x0 = torch::rand({9, 3, 8, 8}) * 2 - 1;
  torch::Tensor g = torch::randn({9, 3, 8, 8});
  g[4][1][2][3] = std::nanf("");
  langevin::StepParams p;
  p.step_size = 0.5f;
  p.noise_std = 0.02f;
  p.noisy = true;
  p.clamp = true;
  LangevinNoise nz;
  nz.seed = 8;
  nz.step = 3;
  nz.chains = chain_range(10, 9, torch::kCPU);
  torch::Tensor xc = x0.clone(), ac = torch::ones({9}, torch::kBool), dc = torch::empty_like(xc);
  langevin_update(xc, g, p, nz, ac, &dc);
  LangevinNoise nzg = nz;
  nzg.chains = nz.chains.cuda();
  torch::Tensor xg = x0.cuda(), ag = torch::ones({9}, torch::kBool).cuda(), dg = torch::empty_like(xg);
  const torch::Tensor gg = g.cuda();
  langevin_update(xg, gg, p, nzg, ag, &dg);
  EXPECT_TRUE(torch::equal(ag.cpu(), ac));
  EXPECT_LE((xg.cpu() - xc).abs().max().item<float>(), 1e-7f);
  EXPECT_LE((dg.cpu() - dc).abs().max().item<float>(), 1e-7f);
}

std::unique_ptr<NativeEnergyModel> small_net(torch::Device d) {
  torch::manual_seed(0);
  ArchSpec spec;
  spec.nf = 16;
  auto m = std::make_unique<NativeEnergyModel>(spec);
  m->to(d);
  m->set_weights_trainable(false);
  return m;
}

TEST(Cuda, ExactModeMatchesTheCpuNoiseFree) {
  REQUIRE_CUDA();
  auto cpu = small_net(torch::kCPU);
  auto gpu = small_net(torch::kCUDA);
  SamplerConfig cfg;
  cfg.steps = 20;
  cfg.noise_std = 0;
  cfg.chunk = 0;
  const torch::Tensor a = LangevinSampler(*cpu, cfg).run(16).x;
  const torch::Tensor b = LangevinSampler(*gpu, cfg).run(16).x.cpu();
  EXPECT_LE(((a - b).norm() / a.norm()).item<double>(), 1e-4);
}

TEST(Cuda, GraphReplaysEqualEagerStepsAndTheObserverSeesEveryStep) {
  REQUIRE_CUDA();
  auto gpu = small_net(torch::kCUDA);
  SamplerConfig cfg;
  cfg.steps = 12;
  cfg.chunk = 0;
  cfg.clamp = true;
  std::vector<torch::Tensor> graph_frames, eager_frames;
  const SampleResult a = LangevinSampler(*gpu, cfg).run(chain_range(0, 8, torch::kCUDA), std::nullopt,
                                                         [&](const StepInfo& s) { graph_frames.push_back(s.x.cpu()); });
  cfg.cuda_graph = false;
  const SampleResult b = LangevinSampler(*gpu, cfg).run(chain_range(0, 8, torch::kCUDA), std::nullopt,
                                                         [&](const StepInfo& s) { eager_frames.push_back(s.x.cpu()); });
  ASSERT_EQ(graph_frames.size(), 13u);
  ASSERT_EQ(eager_frames.size(), 13u);
  for (size_t k = 0; k < graph_frames.size(); ++k) EXPECT_TRUE(torch::equal(graph_frames[k], eager_frames[k])) << "step " << k;
  EXPECT_TRUE(torch::equal(a.x.cpu(), b.x.cpu()));
  // Cancellation takes effect between replays.
  std::atomic<bool> cancel{false};
  int seen = 0;
  cfg.cuda_graph = true;
  const SampleResult c = LangevinSampler(*gpu, cfg).run(chain_range(0, 8, torch::kCUDA), std::nullopt,
                                                         [&](const StepInfo&) { if (++seen == 3) cancel = true; }, &cancel);
  EXPECT_TRUE(c.cancelled);
  EXPECT_EQ(c.steps_done, 3);
}

TEST(Cuda, ChainsReplayWhateverTheBatch) {
  REQUIRE_CUDA();
  auto gpu = small_net(torch::kCUDA);
  SamplerConfig cfg;
  cfg.steps = 10;
  cfg.chunk = 8;  // fixed-size evaluations: chain i identical for any n
  const torch::Tensor all = LangevinSampler(*gpu, cfg).run(chain_range(0, 32, torch::kCUDA)).x.cpu();
  const torch::Tensor one = LangevinSampler(*gpu, cfg).run(chain_range(13, 1, torch::kCUDA)).x.cpu();
  EXPECT_TRUE(torch::equal(all[13], one[0]));
}

}  // namespace
}  // namespace shortrun

// The one Generator interface (generators/generator.h) over the three kinds, short-run EBM, VAE
// and GAN, each tiny with fixed random weights: interpolation endpoints are the synthesis of the
// endpoints, synthesis of latent i does not depend on the batch, reconstruction of a known image
// lowers its MSE, a masked reconstruction fits only the visible pixels, a stop is honoured, and
// open_generator tells the kinds apart by the file.
#include <atomic>

#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/generators/baseline_generator.h"
#include "shortrun/generators/ebm_generator.h"
#include "shortrun/generators/generator_file.h"
#include "shortrun/io/datasets.h"
#include "shortrun/model/checkpoint.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::fixture;

std::unique_ptr<Generator> tiny_generator(const std::string& kind) {
  torch::manual_seed(4);
  if (kind == "ebm") {
    ArchSpec arch;
    arch.nf = 4;
    SamplerConfig cfg;
    cfg.steps = 6;
    cfg.step_size = 0.5;
    cfg.noise_std = 0.05;
    auto model = std::make_unique<NativeEnergyModel>(arch);
    model->set_weights_trainable(false);
    return std::make_unique<EbmGenerator>(std::move(model), cfg);
  }
  BaselineSpec spec;
  spec.kind = kind;
  spec.latent = 8;
  spec.nf = 8;
  auto model = std::make_unique<BaselineModel>(spec);
  model->train(true);
  {
    torch::NoGradGuard no_grad;
    // DCGAN's initialisation (std 0.02) makes a near-constant grey image whatever z is: conv
    // weights 10x larger give images that depend on z, as a trained net's do.
    for (torch::Tensor& w : model->parameters())
      if (w.dim() == 4) w.mul_(10.0);
    for (int i = 0; i < 5; ++i) model->decode(torch::randn({32, spec.latent}));  // running BatchNorm statistics
  }
  return std::make_unique<BaselineGenerator>(std::move(model));
}

// The first image of the tiny fixture data set [1,1,32,32] (noise-like: no generator makes it).
torch::Tensor known_image() {
  return load_dataset("idx:" + fixture("tiny-images-idx3-ubyte.gz")).images.narrow(0, 0, 1);
}

class Generators : public ::testing::TestWithParam<std::string> {};

TEST_P(Generators, InterpolationEndpointsAreTheSynthesisOfTheEndpoints) {
  auto gen = tiny_generator(GetParam());
  EXPECT_EQ(gen->kind(), GetParam());
  const torch::Tensor a = gen->synthesize(3, torch::tensor({int64_t(2)})), b = gen->synthesize(7, torch::tensor({int64_t(5)}));
  for (const char* path : {"linear", "spherical"}) {
    InterpolationSpec spec;
    spec.path = path;
    spec.points = 5;
    spec.noise = "mixed";  // the EBM's ρ = 1 is then endpoint B's own chain
    const InterpolationResult r = gen->interpolate({{3, 2}}, {{7, 5}}, spec);
    ASSERT_EQ(r.x.sizes(), torch::IntArrayRef({1, 5, 1, 32, 32})) << path;
    // The same computation at another batch size: equal to float rounding.
    EXPECT_TRUE(torch::allclose(r.x[0][0], a[0], 1e-5, 1e-5)) << GetParam() << " " << path;
    EXPECT_TRUE(torch::allclose(r.x[0][4], b[0], 1e-5, 1e-5)) << GetParam() << " " << path;
    EXPECT_GT((r.x[0][2] - r.x[0][0]).abs().max().item<double>(), 1e-3) << "the middle is neither endpoint";
    EXPECT_FALSE(gen->interpolation_method(spec).empty());
  }
}

TEST_P(Generators, SynthesisOfALatentDoesNotDependOnTheBatch) {
  auto gen = tiny_generator(GetParam());
  const torch::Tensor five = synthesize_range(*gen, 3, 0, 5), one = synthesize_range(*gen, 3, 2, 1);
  ASSERT_EQ(five.sizes(), torch::IntArrayRef({5, 1, 32, 32}));
  EXPECT_TRUE(torch::allclose(five[2], one[0], 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(five[2], synthesize_range(*gen, 4, 2, 1)[0], 1e-3, 1e-3)) << "another seed, another image";
}

TEST_P(Generators, ReconstructionOfAKnownImageLowersItsMse) {
  auto gen = tiny_generator(GetParam());
  // An image the generator makes (latent 100 of seed 9), found from another start (the EBM: chain
  // 0's z_0 and u_k under seed 1; the VAE: its encoder's guess; the GAN: z = 0).
  const torch::Tensor target = gen->synthesize(9, torch::tensor({int64_t(100)})).detach();
  GeneratorReconOptions o;
  o.iters = 40;
  o.lr = 0.05;
  int64_t seen = 0;
  const GeneratorRecon r = gen->reconstruct(target, torch::Tensor(), o, [&](const ReconstructIteration& it) {
    EXPECT_EQ(it.iteration, seen++);
    EXPECT_EQ(it.x.sizes(), torch::IntArrayRef({1, 1, 32, 32}));
  });
  EXPECT_EQ(seen, 41);
  ASSERT_FALSE(r.cancelled);
  ASSERT_EQ(r.curve.size(), 41u);
  EXPECT_LT(r.curve.back(), 0.5 * r.curve.front()) << GetParam() << ": " << r.curve.front() << " -> " << r.curve.back();
  EXPECT_NEAR(r.mse.item<double>(), (r.x - target).pow(2).mean().item<double>(), 1e-6);
}

TEST_P(Generators, MaskedReconstructionFitsOnlyTheVisiblePixels) {
  auto gen = tiny_generator(GetParam());
  const torch::Tensor mask = make_mask("center", 32, 32);
  const torch::Tensor obs = known_image();
  torch::Tensor other = obs.clone();
  other.masked_fill_(mask.expand_as(obs) < 0.5, 0.9);  // change only hidden pixels
  ASSERT_FALSE(torch::equal(obs, other));
  GeneratorReconOptions o;
  o.iters = 10;
  const GeneratorRecon a = gen->reconstruct(obs, mask, o), b = gen->reconstruct(other, mask, o);
  EXPECT_TRUE(torch::equal(a.z, b.z)) << GetParam();
  EXPECT_TRUE(torch::equal(a.x, b.x)) << GetParam();
  EXPECT_EQ(a.curve, b.curve);
  // The reported MSE is over the visible pixels only.
  const torch::Tensor visible = mask.expand_as(obs) > 0.5;
  EXPECT_NEAR(a.mse.item<double>(), (a.x - obs).pow(2).masked_select(visible).mean().item<double>(), 1e-6);
  EXPECT_GT(a.curve.front(), a.curve.back());
}

TEST_P(Generators, AStoppedReconstructionSaysSo) {
  auto gen = tiny_generator(GetParam());
  std::atomic<bool> cancel{false};
  GeneratorReconOptions o;
  o.iters = 50;
  int64_t last = -1;
  const GeneratorRecon r = gen->reconstruct(known_image(), torch::Tensor(), o, [&](const ReconstructIteration& it) {
    last = it.iteration;
    if (it.iteration == 3) cancel.store(true);
  }, &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_LT(last, 6);
}

INSTANTIATE_TEST_SUITE_P(Kinds, Generators, ::testing::Values("ebm", "vae", "gan"));

TEST(GeneratorFile, OpensEachKindAsItsGenerator) {
  const std::string dir = test::temp_dir("generator_file");
  torch::manual_seed(1);
  BaselineSpec spec;
  spec.kind = "gan";
  spec.latent = 4;
  spec.nf = 2;
  save_baseline_checkpoint(dir + "/gan.safetensors", BaselineModel(spec));
  ArchSpec arch;
  arch.nf = 2;
  NativeEnergyModel ebm(arch);
  save_checkpoint(dir + "/ebm.safetensors", ebm);
  EXPECT_EQ(generator_file_kind(dir + "/gan.safetensors"), "gan");
  EXPECT_EQ(generator_file_kind(dir + "/ebm.safetensors"), "ebm");
  auto gan = open_generator(dir + "/gan.safetensors", torch::kCPU);
  EXPECT_EQ(gan->kind(), "gan");
  EXPECT_FALSE(gan->has_encoder());
  auto e = open_generator(dir + "/ebm.safetensors", torch::kCPU);
  EXPECT_EQ(e->kind(), "ebm");
  EXPECT_EQ(e->synthesize(1, torch::tensor({int64_t(0), int64_t(1)})).sizes(), torch::IntArrayRef({2, 1, 32, 32}));
}

}  // namespace
}  // namespace shortrun

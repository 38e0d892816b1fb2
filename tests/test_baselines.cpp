// The VAE and GAN baselines (issue 26): losses and gradients against PyTorch (fixtures of
// reference/baseline_fixtures.py), reconstruction through the encoder and by inversion, the
// checkpoint format and its refusals, and the trainer's run directory, exact resume and watchdog.
#include <filesystem>
#include <fstream>

#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/baselines/baseline_trainer.h"
#include "shortrun/baselines/gan_loss.h"
#include "shortrun/baselines/latent_fit.h"
#include "shortrun/baselines/vae_loss.h"
#include "shortrun/io/npy.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/model_loader.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;
using test::fixture;

double rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-12);
}

BaselineSpec tiny_spec(const std::string& kind) {
  BaselineSpec s;
  s.kind = kind;
  s.latent = 3;
  s.nf = 2;
  s.vae_sigma = 0.2;
  return s;
}

// The model with the fixture's weights for `kind` (prefixes as the fixtures name them).
std::unique_ptr<BaselineModel> reference_model(const std::string& kind) {
  auto model = std::make_unique<BaselineModel>(tiny_spec(kind));
  NamedTensors weights;
  for (const auto& [name, t] : model->named_tensors()) {
    const std::string file = fixture(kind + "_" + name + ".npy");
    weights.emplace_back(name, std::filesystem::exists(file) ? read_npy(file).to(t.scalar_type()) : t.clone());  // buffers: defaults
  }
  model->load_named_tensors(weights, "fixtures");
  model->train(true);
  return model;
}

void expect_gradients_match(BaselineModel& model, const std::string& kind, const std::string& net) {
  int checked = 0;
  const torch::nn::Module& m = net == "generator" ? static_cast<torch::nn::Module&>(*model.generator()) : *model.critic();
  for (const auto& p : m.named_parameters()) {
    const std::string file = fixture(kind + "_" + (net == "generator" ? "generator" : kind == "vae" ? "encoder" : "discriminator") +
                                     ".grad." + p.key() + ".npy");
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_LE(rel_error(p.value().grad(), read_npy(file)), 1e-4) << kind << " " << net << " " << p.key();
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(ReferenceBaselines, VaeElboAndGradientsMatchPyTorch) {
  auto model = reference_model("vae");
  const torch::Tensor x = read_npy(fixture("baseline_x.npy")), eps = read_npy(fixture("baseline_eps.npy"));
  const auto [mu, logvar] = model->encode(x);
  const torch::Tensor x_hat = model->decode(reparameterize(mu, logvar, eps));
  const VaeLoss l = vae_loss(x, x_hat, mu, logvar, 0.2);
  const torch::Tensor want = read_npy(fixture("vae_losses.npy"));  // loss, recon, kl
  EXPECT_LE(rel_error(l.loss.detach().reshape({1}), want.narrow(0, 0, 1)), 1e-5);
  EXPECT_LE(rel_error(l.recon.detach().reshape({1}), want.narrow(0, 1, 1)), 1e-5);
  EXPECT_LE(rel_error(l.kl.detach().reshape({1}), want.narrow(0, 2, 1)), 1e-4);
  l.loss.backward();
  expect_gradients_match(*model, "vae", "generator");
  expect_gradients_match(*model, "vae", "critic");
  // The KL term alone, by hand: mu = 1, logvar = 0 gives 0.5 per dimension.
  EXPECT_NEAR(vae_loss(torch::zeros({1, 1, 2, 2}), torch::zeros({1, 1, 2, 2}), torch::ones({1, 3}), torch::zeros({1, 3}), 1.0)
                  .kl.item<double>(), 1.5, 1e-6);
}

TEST(ReferenceBaselines, GanLossesAndGradientsMatchPyTorch) {
  auto model = reference_model("gan");
  const torch::Tensor x = read_npy(fixture("baseline_x.npy")), z = read_npy(fixture("baseline_eps.npy"));
  const torch::Tensor fake = model->decode(z);
  const torch::Tensor d_loss = discriminator_loss(model->discriminate(x), model->discriminate(fake.detach()));
  d_loss.backward();
  expect_gradients_match(*model, "gan", "critic");
  for (auto& p : model->critic_parameters()) p.mutable_grad() = torch::Tensor();
  const torch::Tensor g_loss = generator_loss(model->discriminate(fake));
  g_loss.backward();
  expect_gradients_match(*model, "gan", "generator");
  const torch::Tensor want = read_npy(fixture("gan_losses.npy"));
  EXPECT_LE(rel_error(d_loss.detach().reshape({1}), want.narrow(0, 0, 1)), 1e-5);
  EXPECT_LE(rel_error(g_loss.detach().reshape({1}), want.narrow(0, 1, 1)), 1e-5);
  // At logits 0 both are log 2 per term.
  EXPECT_NEAR(discriminator_loss(torch::zeros({4}), torch::zeros({4})).item<double>(), 2 * std::log(2.0), 1e-6);
  EXPECT_NEAR(generator_loss(torch::zeros({4})).item<double>(), std::log(2.0), 1e-6);
}

// A generator's own sample, from z*, is found again by gradient descent on z from z = 0.
TEST(Baselines, GanInversionRecoversItsOwnSample) {
  torch::manual_seed(3);
  BaselineSpec spec;
  spec.kind = "gan";
  spec.latent = 8;
  spec.nf = 8;
  BaselineModel model(spec);
  model.train(true);
  {
    torch::NoGradGuard no_grad;  // a few batches through BatchNorm: running statistics of a used net
    for (int i = 0; i < 5; ++i) model.decode(torch::randn({64, spec.latent}));
  }
  model.train(false);
  const torch::Tensor z_star = torch::randn({4, spec.latent});
  torch::Tensor x_star;
  {
    torch::NoGradGuard no_grad;
    x_star = model.decode(z_star);
  }
  LatentFitOptions o;
  o.iters = 400;
  o.lr = 0.05;
  const LatentFit fit = fit_latent(model, x_star, torch::Tensor(), torch::Tensor(), o);
  ASSERT_EQ(fit.curve.size(), 401u);
  const double start = fit.curve.front(), end = fit.curve.back();
  EXPECT_LT(end, 0.02 * start) << "start " << start << " end " << end;
  EXPECT_LT(end, 1e-4);
  // A masked fit only scores the observed pixels.
  torch::Tensor mask = torch::ones({1, 1, 32, 32});
  mask.narrow(3, 16, 16).zero_();
  o.iters = 5;
  const LatentFit masked = fit_latent(model, x_star, mask, torch::Tensor(), o);
  const torch::Tensor left = (masked.x - x_star).pow(2).narrow(3, 0, 16).flatten(1).mean(1);
  EXPECT_LE(rel_error(masked.mse, left), 1e-4);
}

BaselineTrainerConfig tiny_run(const std::string& kind) {
  BaselineTrainerConfig c;
  c.data = "idx:" + fixture("tiny-images-idx3-ubyte.gz");
  c.spec.kind = kind;
  c.spec.latent = 8;
  c.spec.nf = 4;
  c.batch = 4;
  c.iters = 6;
  c.lr = 2e-3;
  c.log_every = 2;
  c.sample_every = 3;
  c.checkpoint_every = 2;
  return c;
}

std::map<std::string, torch::Tensor> tensors_of(const std::string& path) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [n, t] : read_safetensors(path).tensors) out[n] = t;
  return out;
}

void expect_same_tensors(const std::string& a, const std::string& b) {
  const auto ta = tensors_of(a), tb = tensors_of(b);
  ASSERT_EQ(ta.size(), tb.size());
  for (const auto& [n, t] : ta) {
    ASSERT_TRUE(tb.count(n)) << n;
    EXPECT_TRUE(torch::equal(t, tb.at(n))) << n;
  }
}

class BaselineRuns : public ::testing::TestWithParam<std::string> {};

TEST_P(BaselineRuns, WritesItsRunDirectoryAndResumesBitIdentically) {
  const std::string kind = GetParam();
  const BaselineTrainerConfig cfg = tiny_run(kind);
  const Dataset data = load_dataset(cfg.data);
  const std::string straight = test::temp_dir("straight"), split = test::temp_dir("split");
  int logs = 0;
  {
    BaselineTrainer t(cfg, straight, torch::kCPU);
    EXPECT_EQ(t.run(data, nullptr, [&](const BaselineProgress& p) {
      ++logs;
      EXPECT_EQ(p.values.size(), 4u);
      for (const auto& [n, v] : p.values) EXPECT_TRUE(std::isfinite(v)) << n;
    }), 6);
  }
  EXPECT_EQ(logs, 3);
  for (const char* f : {"config.json", "metrics.jsonl", "model.safetensors", "checkpoints/latest.safetensors",
                        "checkpoints/latest.1.safetensors", "samples/iter_000003.png", "samples/iter_000006.png"})
    EXPECT_TRUE(std::filesystem::exists(straight + "/" + f)) << f;
  EXPECT_EQ(baseline_run_kind(straight), kind);
  {
    BaselineTrainerConfig half = cfg;
    half.iters = 3;  // stops off the log cadence: a partial line, then an extension
    BaselineTrainer t(half, split, torch::kCPU);
    EXPECT_EQ(t.run(data, nullptr, nullptr), 3);
  }
  {
    BaselineTrainer t = BaselineTrainer::resume(split, torch::kCPU);
    EXPECT_EQ(t.iteration(), 3);
    t.set_iters(6);
    EXPECT_EQ(t.run(data, nullptr, nullptr), 6);
  }
  expect_same_tensors(straight + "/checkpoints/latest.safetensors", split + "/checkpoints/latest.safetensors");
  // The logged values are the uninterrupted run's too (wall time and speed aside).
  const auto losses = [](const std::string& dir) {
    std::ifstream in(dir + "/metrics.jsonl");
    std::string line, out;
    while (std::getline(in, line)) {
      nlohmann::json j = nlohmann::json::parse(line);
      j.erase("wall_s");
      j.erase("its_per_s");
      out += j.dump() + "\n";
    }
    return out;
  };
  EXPECT_EQ(losses(straight), losses(split));
  // Another trainer cannot take the run while one holds it.
  BaselineTrainer holder = BaselineTrainer::resume(straight, torch::kCPU);
  expect_error([&] { BaselineTrainer::resume(straight, torch::kCPU); }, {straight});
}

TEST_P(BaselineRuns, WatchdogRollsBackANonFiniteLoss) {
  const std::string kind = GetParam();
  const std::string dir = test::temp_dir("wd");
  BaselineTrainerConfig cfg = tiny_run(kind);
  BaselineTrainer t(cfg, dir, torch::kCPU);
  t.inject_nonfinite_at(3);
  std::vector<std::string> events;
  EXPECT_EQ(t.run(load_dataset(cfg.data), nullptr, [&](const BaselineProgress& p) {
    if (!p.event.empty()) events.push_back(p.event + ": " + p.message);
  }), 6);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("rollback: non-finite loss at iteration 3: rolled back to iteration 2"), std::string::npos) << events[0];
  std::ifstream in(dir + "/metrics.jsonl");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"event\":\"rollback\""), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Kinds, BaselineRuns, ::testing::Values("vae", "gan"));

// A VAE trained briefly reconstructs a training image through its encoder far better than the
// decoder of the prior's mean does, and gradient steps on z from there lower the MSE further.
TEST(Baselines, VaeEncoderReconstructionReducesMse) {
  BaselineTrainerConfig cfg = tiny_run("vae");
  cfg.iters = 400;
  cfg.lr = 3e-3;
  cfg.spec.nf = 8;
  cfg.log_every = 50;
  cfg.sample_every = 400;
  cfg.checkpoint_every = 400;
  cfg.spec.vae_sigma = 0.1;
  const Dataset data = load_dataset(cfg.data);
  const std::string dir = test::temp_dir("vae");
  BaselineTrainer t(cfg, dir, torch::kCPU);
  t.run(data, nullptr, nullptr);
  BaselineModel& model = t.model();
  const torch::Tensor x = data.images.narrow(0, 0, 2);
  LatentFitOptions o;
  o.iters = 0;
  const LatentFit encoded = fit_latent(model, x, torch::Tensor(), torch::Tensor(), o);
  const LatentFit prior = fit_latent(model, x, torch::Tensor(), torch::zeros({2, cfg.spec.latent}), o);
  EXPECT_LT(encoded.curve.front(), 0.7 * prior.curve.front()) << "encoder " << encoded.curve.front() << " prior mean "
                                                              << prior.curve.front();
  o.iters = 50;
  o.lr = 0.02;
  const LatentFit refined = fit_latent(model, x, torch::Tensor(), torch::Tensor(), o);
  EXPECT_DOUBLE_EQ(refined.curve.front(), encoded.curve.front());
  EXPECT_LT(refined.curve.back(), encoded.curve.front());
}

TEST(Baselines, CheckpointsRoundTripAndEachLoaderRefusesTheOtherKind) {
  const std::string dir = test::temp_dir("ckpt");
  torch::manual_seed(1);
  BaselineModel vae(tiny_spec("vae"));
  save_baseline_checkpoint(dir + "/vae.safetensors", vae, {{"iteration", torch::tensor(int64_t(7))}});
  EXPECT_TRUE(is_baseline_file(dir + "/vae.safetensors"));
  LoadedBaseline back = load_baseline_checkpoint(dir + "/vae.safetensors", torch::kCPU);
  EXPECT_EQ(back.model->spec().summary(), vae.spec().summary());
  ASSERT_EQ(back.train_state.size(), 1u);
  const NamedTensors a = vae.named_tensors(), b = back.model->named_tensors();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  // Where an energy model is needed, a baseline is one line naming the file and what it holds.
  expect_error([&] { load_energy_model(dir + "/vae.safetensors", torch::kCPU); },
               {dir + "/vae.safetensors", "holds a VAE baseline", "not an energy model"});
  BaselineModel gan(tiny_spec("gan"));
  save_baseline_checkpoint(dir + "/gan.safetensors", gan);
  expect_error([&] { load_checkpoint(dir + "/gan.safetensors", torch::kCPU); }, {"gan.safetensors", "holds a GAN baseline"});
  // And the reverse.
  ArchSpec arch;
  arch.nf = 4;
  save_checkpoint(dir + "/ebm.safetensors", NativeEnergyModel(arch));
  EXPECT_FALSE(is_baseline_file(dir + "/ebm.safetensors"));
  expect_error([&] { load_baseline_checkpoint(dir + "/ebm.safetensors", torch::kCPU); },
               {dir + "/ebm.safetensors", "holds an energy model", "not a VAE or GAN"});
  // A flipped weight is caught by its checksum; a tensor of the wrong shape is named.
  SafetensorsFile f = read_safetensors(dir + "/vae.safetensors");
  f.tensors[0].second = f.tensors[0].second.clone();
  f.tensors[0].second.view(-1)[0] += 1.0f;
  write_safetensors(dir + "/flipped.safetensors", f.tensors, f.metadata);
  expect_error([&] { load_baseline_checkpoint(dir + "/flipped.safetensors", torch::kCPU); }, {"flipped.safetensors", "checksum"});
  BaselineModel wide([] {
    BaselineSpec s = tiny_spec("vae");
    s.nf = 4;
    return s;
  }());
  expect_error([&] { vae.load_named_tensors(wide.named_tensors(), "wide.safetensors"); }, {"wide.safetensors", "has shape"});
}

}  // namespace
}  // namespace shortrun

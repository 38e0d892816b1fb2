// Training's chain starts (--init uniform|gaussian|data|persistent), the replay buffer and the
// EMA weights (issue 25, parts 1-2): each start's distribution, persistent chains carried over,
// the re-initialised fraction, and a stopped + resumed persistent EMA run equal to a straight one.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "shortrun/model/checkpoint.h"
#include "shortrun/model/weights_choice.h"
#include "shortrun/training/ema.h"
#include "shortrun/training/trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {

TrainerConfig tiny_config(const std::string& init) {
  TrainerConfig c;
  c.data = "idx:" + test::fixture("tiny-images-idx3-ubyte.gz");
  c.arch.nf = 4;
  c.sampler.steps = 3;
  c.batch = 32;
  c.iters = 2;
  c.lr = 1e-3;
  c.log_every = 1;
  c.sample_every = 1000;
  c.checkpoint_every = 2;
  c.init = init;
  return c;
}

// The x_0 of every trained iteration.
std::vector<torch::Tensor> starts_of(const TrainerConfig& cfg, const std::string& dir, const Dataset& data) {
  std::vector<torch::Tensor> starts;
  Trainer t(cfg, dir, torch::kCPU);
  t.observe_chains([&](int64_t, const torch::Tensor& x0, const torch::Tensor&, const BufferDraw*) { starts.push_back(x0.clone()); });
  t.run(data, nullptr, nullptr);
  return starts;
}

TEST(ChainStarts, UniformAndGaussianStartsHaveTheirDocumentedMoments) {
  const Dataset data = load_dataset(tiny_config("uniform").data);
  // 2 iterations x 32 chains x 1024 pixels: the mean's standard error is below 0.004.
  const torch::Tensor u = torch::cat(starts_of(tiny_config("uniform"), test::temp_dir("u"), data)).to(torch::kFloat64);
  EXPECT_GE(u.min().item<double>(), -1.0);
  EXPECT_LE(u.max().item<double>(), 1.0);
  EXPECT_NEAR(u.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(u.var().item<double>(), 1.0 / 3.0, 0.01);  // U(-1,1)
  const torch::Tensor g = torch::cat(starts_of(tiny_config("gaussian"), test::temp_dir("g"), data)).to(torch::kFloat64);
  EXPECT_NEAR(g.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(g.std().item<double>(), 1.0, 0.02);  // N(0,1)
  EXPECT_NEAR((g.abs() > 1.96).to(torch::kFloat64).mean().item<double>(), 0.05, 0.01);
  // The model card keeps the start, so `sample` draws z as the training did.
  Trainer t(tiny_config("gaussian"), test::temp_dir("card"), torch::kCPU);
  EXPECT_EQ(t.model().card().sampler.init, "gaussian");
}

TEST(ChainStarts, DataStartsAreTheNoisyDataBatch) {
  const Dataset data = load_dataset(tiny_config("data").data);
  const torch::Tensor images = data.images.flatten(1).to(torch::kFloat64);
  for (const double sigma : {0.0, 0.03}) {
    TrainerConfig cfg = tiny_config("data");
    cfg.data_noise = sigma;
    const torch::Tensor x0 = torch::cat(starts_of(cfg, test::temp_dir(sigma > 0 ? "noisy" : "clean"), data)).flatten(1).to(torch::kFloat64);
    // Each start is a training image plus N(0, sigma^2) per pixel: its residual to the nearest image.
    const torch::Tensor nearest = std::get<1>(torch::cdist(x0, images).min(1));
    const torch::Tensor residual = x0 - images.index_select(0, nearest);
    if (sigma == 0) {
      EXPECT_EQ(residual.abs().max().item<double>(), 0.0);
    } else {
      EXPECT_NEAR(residual.mean().item<double>(), 0.0, 0.002);
      EXPECT_NEAR(residual.std().item<double>(), sigma, 0.002);
    }
  }
}

TEST(ReplayBuffer, ReinitialisedFractionMatchesPWithinBinomialError) {
  const CounterNoise noise(5);
  DataShape shape;
  shape.channels = 1;
  shape.height = shape.width = 2;
  const ReplayBuffer b(10000, shape, noise, torch::kCPU);
  EXPECT_GE(b.states().min().item<float>(), -1.0f);
  EXPECT_LE(b.states().max().item<float>(), 1.0f);
  for (const double p : {0.05, 0.5}) {
    const BufferDraw d = b.draw(3, 96, 10000, p, noise);
    const double n = 10000, k = d.reinit.sum().item<double>(), sd = std::sqrt(n * p * (1 - p));
    EXPECT_LT(std::fabs(k - n * p), 4 * sd) << "p = " << p << ": " << k << " re-initialised";
    // The draw is a permutation: every slot once.
    EXPECT_TRUE(torch::equal(std::get<0>(d.slots.sort()), torch::arange(10000, torch::kInt64)));
  }
  // The same (seed, iteration) draws the same chains; another iteration others.
  EXPECT_TRUE(torch::equal(b.draw(3, 0, 50, 0.1, noise).slots, b.draw(3, 0, 50, 0.1, noise).slots));
  EXPECT_FALSE(torch::equal(b.draw(3, 0, 50, 0.1, noise).slots, b.draw(4, 0, 50, 0.1, noise).slots));
  EXPECT_EQ(b.draw(3, 0, 50, 0.0, noise).reinit.sum().item<int64_t>(), 0);
  EXPECT_EQ(b.draw(3, 0, 50, 1.0, noise).reinit.sum().item<int64_t>(), 50);
}

TEST(ChainStarts, PersistentChainsCarryOverUnlessReinitialised) {
  TrainerConfig cfg = tiny_config("persistent");
  cfg.buffer = 40;
  cfg.batch = 8;
  cfg.reinit = 0.25;
  cfg.iters = 30;
  cfg.checkpoint_every = 1000;
  const Dataset data = load_dataset(cfg.data);
  Trainer t(cfg, test::temp_dir("run"), torch::kCPU);
  ASSERT_NE(t.buffer(), nullptr);
  torch::Tensor last = t.buffer()->states().clone();  // each slot's latest end (its initial state at first)
  std::vector<int64_t> age(40, 0);
  int64_t reinit = 0, carried = 0;
  t.observe_chains([&](int64_t it, const torch::Tensor& x0, const torch::Tensor& x_end, const BufferDraw* d) {
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(std::get<0>(at::_unique(d->slots)).numel(), 8) << "iteration " << it << " drew a chain twice";
    for (int64_t j = 0; j < 8; ++j) {
      const int64_t slot = d->slots[j].item<int64_t>();
      if (d->reinit[j].item<bool>()) {
        ++reinit;
        age[size_t(slot)] = 1;
        EXPECT_GE(x0[j].min().item<float>(), -1.0f);
        EXPECT_LE(x0[j].max().item<float>(), 1.0f);
        EXPECT_FALSE(torch::equal(x0[j], last[slot]));
      } else {
        ++carried;
        ++age[size_t(slot)];
        EXPECT_TRUE(torch::equal(x0[j], last[slot])) << "iteration " << it << ", slot " << slot << " did not start where it ended";
      }
      last[slot] = x_end[j];
    }
  });
  t.run(data, nullptr, nullptr);
  EXPECT_GT(carried, 100);
  // 240 draws at p = 0.25: 60 expected, binomial sd 6.7.
  EXPECT_LT(std::fabs(double(reinit) - 60.0), 4 * std::sqrt(240 * 0.25 * 0.75)) << reinit << " re-initialised";
  EXPECT_EQ(t.buffer()->reinit_total(), reinit);
  EXPECT_TRUE(torch::equal(t.buffer()->states(), last));
  EXPECT_TRUE(torch::equal(t.buffer()->ages(), torch::tensor(age, torch::kInt64)));
}

std::vector<nlohmann::json> untimed_metrics(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    j.erase("wall_s");
    j.erase("its_per_s");
    out.push_back(j);
  }
  return out;
}

TEST(ChainStarts, StoppedAndResumedPersistentEmaRunEqualsTheStraightRun) {
  TrainerConfig cfg = tiny_config("persistent");
  cfg.buffer = 24;
  cfg.batch = 8;
  cfg.reinit = 0.2;
  cfg.ema = 0.9;
  cfg.iters = 9;
  cfg.log_every = 2;
  cfg.checkpoint_every = 3;
  const Dataset data = load_dataset(cfg.data);
  const std::string a = test::temp_dir("a");
  Trainer full(cfg, a, torch::kCPU);
  full.run(data, nullptr, nullptr);
  for (const int64_t stop_at : {4, 6}) {  // off and on the checkpoint cadence
    const std::string b = test::temp_dir("b" + std::to_string(stop_at));
    std::atomic<bool> stop{false};
    {
      Trainer first(cfg, b, torch::kCPU);
      first.observe_chains([&](int64_t it, const torch::Tensor&, const torch::Tensor&, const BufferDraw*) {
        if (it + 1 == stop_at) stop = true;
      });
      first.run(data, &stop, nullptr);
      ASSERT_EQ(first.iteration(), stop_at);
    }
    Trainer resumed = Trainer::resume(b, torch::kCPU);
    EXPECT_EQ(resumed.iteration(), stop_at);
    resumed.run(data, nullptr, nullptr);
    const auto same = [&](const NamedTensors& x, const NamedTensors& y, const char* what) {
      ASSERT_EQ(x.size(), y.size());
      for (size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(torch::equal(x[i].second, y[i].second)) << what << " " << x[i].first << ", stopped at " << stop_at;
    };
    same(full.model().named_parameters(), resumed.model().named_parameters(), "weight");
    same(full.ema()->model().named_parameters(), resumed.ema()->model().named_parameters(), "EMA weight");
    EXPECT_TRUE(torch::equal(full.buffer()->states(), resumed.buffer()->states()));
    EXPECT_TRUE(torch::equal(full.buffer()->ages(), resumed.buffer()->ages()));
    EXPECT_EQ(full.buffer()->reinit_total(), resumed.buffer()->reinit_total());
    EXPECT_EQ(untimed_metrics(a), untimed_metrics(b));
    // The files too: the EMA model and the buffer beside the last checkpoint, byte for byte.
    for (const char* f : {"/model.ema.safetensors", "/checkpoints/latest.buffer.safetensors", "/checkpoints/latest.ema.safetensors"}) {
      std::ifstream fa(a + f, std::ios::binary), fb(b + f, std::ios::binary);
      const std::string sa((std::istreambuf_iterator<char>(fa)), {}), sb((std::istreambuf_iterator<char>(fb)), {});
      EXPECT_TRUE(!sa.empty() && sa == sb) << f;
    }
  }
  // The EMA weights moved away from the raw ones, and are what model.ema.safetensors holds.
  const LoadedCheckpoint ema = load_checkpoint(a + "/model.ema.safetensors", torch::kCPU);
  EXPECT_EQ(ema.model->card().provenance["weights"], "ema");
  EXPECT_FALSE(torch::equal(ema.model->named_parameters()[0].second, full.model().named_parameters()[0].second));
  EXPECT_TRUE(torch::equal(ema.model->named_parameters()[0].second, full.ema()->model().named_parameters()[0].second));
}

TEST(ChainStarts, EmaRampsItsDecaySoTheInitialWeightsDoNotLinger) {
  EXPECT_DOUBLE_EQ(EmaWeights::decay_at(0.999, 0), 0.1);
  EXPECT_DOUBLE_EQ(EmaWeights::decay_at(0.999, 90), 0.91);
  EXPECT_DOUBLE_EQ(EmaWeights::decay_at(0.999, 100000), 0.999);
  EXPECT_DOUBLE_EQ(EmaWeights::decay_at(0.5, 100), 0.5);  // once the ramp passes it, the decay given
  ArchSpec spec;
  spec.nf = 2;
  NativeEnergyModel model(spec);
  EmaWeights ema(model, 0.999, torch::kCPU);
  const torch::Tensor w0 = model.named_parameters()[0].second.detach().clone();
  // Constant raw weights w1 from the first step on: after t steps the initial weights keep
  // prod d_k = prod (1+k)/(10+k) of the average (k < t), not 0.999^t.
  torch::Tensor w1;
  {
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : model.named_parameters()) p.add_(1.0);
    w1 = model.named_parameters()[0].second.detach().clone();
  }
  double init_share = 1;
  for (int64_t t = 0; t < 50; ++t) {
    ema.update(model, t);
    init_share *= EmaWeights::decay_at(0.999, t);
  }
  const torch::Tensor expected = init_share * w0 + (1 - init_share) * w1;
  EXPECT_TRUE(torch::allclose(ema.model().named_parameters()[0].second, expected, 1e-6, 1e-6));
  EXPECT_LT(init_share, 1e-3);  // 0.999^50 would be 0.95
}

TEST(ChainStarts, BadSettingsAreRefusedNamingTheFlag) {
  const auto refused = [](auto change, std::initializer_list<std::string> fragments) {
    TrainerConfig c = tiny_config("persistent");
    change(c);
    test::expect_error([&] { c.validate(); }, fragments);
  };
  refused([](TrainerConfig& c) { c.reinit = 2; }, {"--reinit", "0..1"});
  refused([](TrainerConfig& c) { c.reinit = NAN; }, {"--reinit"});
  refused([](TrainerConfig& c) { c.buffer = 0; }, {"--buffer", "at least 1"});
  refused([](TrainerConfig& c) { c.buffer = 4; }, {"--buffer 4", "--batch 32"});
  refused([](TrainerConfig& c) { c.buffer = int64_t(1) << 40; }, {"--buffer", "4 GiB"});
  refused([](TrainerConfig& c) { c.ema = 1.5; }, {"--ema", "(0, 1)"});
  refused([](TrainerConfig& c) { c.ema = 1.0; }, {"--ema"});
  refused([](TrainerConfig& c) { c.init = "replay"; }, {"--init", "persistent"});
  // config.json round trip.
  TrainerConfig c = tiny_config("persistent");
  c.buffer = 77;
  c.reinit = 0.125;
  c.ema = 0.99;
  const TrainerConfig back = nlohmann::json(c).get<TrainerConfig>();
  EXPECT_EQ(back.init, "persistent");
  EXPECT_EQ(back.buffer, 77);
  EXPECT_EQ(back.reinit, 0.125);
  EXPECT_EQ(back.ema, 0.99);
}

TEST(WeightsChoice, EmaBesideACheckpointIsTakenUnlessRawIsAsked) {
  const std::string dir = test::temp_dir("w");
  const std::string raw = dir + "/m.safetensors", ema = dir + "/m.ema.safetensors";
  EXPECT_EQ(companion_path(raw, "buffer"), dir + "/m.buffer.safetensors");
  std::ofstream(raw) << "x";
  EXPECT_EQ(choose_weights(raw, "auto").path, raw);
  EXPECT_FALSE(choose_weights(raw, "auto").ema);
  test::expect_error([&] { choose_weights(raw, "ema"); }, {raw, "no EMA weights", ema});
  std::ofstream(ema) << "y";
  EXPECT_EQ(choose_weights(raw, "auto").path, ema);
  EXPECT_TRUE(choose_weights(raw, "auto").ema);
  EXPECT_EQ(choose_weights(raw, "raw").path, raw);
  EXPECT_EQ(choose_weights(ema, "auto").path, ema);
  test::expect_error([&] { choose_weights(ema, "raw"); }, {ema, "EMA weights"});
}

}  // namespace
}  // namespace shortrun

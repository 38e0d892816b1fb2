// Trainer: the loop runs, writes its run directory, and a resumed run is bit-identical to
// an uninterrupted one.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "shortrun/io/run_lock.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/training/presets.h"
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
  c.iters = 4;
  c.lr = 1e-3;
  c.log_every = 1;
  c.sample_every = 2;
  c.checkpoint_every = 2;
  return c;
}

TEST(Trainer, RunsAndWritesItsRunDirectory) {
  const std::string dir = test::temp_dir("run");
  const TrainerConfig cfg = tiny_config();
  int logs = 0;
  {
    Trainer t(cfg, dir, torch::kCPU);
    EXPECT_EQ(t.run(load_dataset(cfg.data), nullptr, [&](const TrainProgress& p) {
      ++logs;
      EXPECT_TRUE(std::isfinite(p.f_data) && std::isfinite(p.f_samples));
    }), 4);
    // While it lives, a second trainer on the directory is refused, naming this process.
    test::expect_error([&] { Trainer(cfg, dir, torch::kCPU); }, {dir, "PID " + std::to_string(getpid())});
  }
  EXPECT_EQ(logs, 4);
  for (const char* f : {"/config.json", "/metrics.jsonl", "/samples/iter_000002.png", "/samples/iter_000004.png",
                        "/checkpoints/latest.safetensors", "/model.safetensors"})
    EXPECT_TRUE(std::filesystem::exists(dir + f)) << f;
  std::ifstream metrics(dir + "/metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("event")) continue;  // checkpoint events
    EXPECT_TRUE(j.contains("f_data") && j.contains("gap") && j.contains("its_per_s"));
    ++lines;
  }
  EXPECT_EQ(lines, 4);
  // Weights moved, and the saved model carries its sampler defaults and provenance.
  auto saved = load_energy_model(dir + "/model.safetensors", torch::kCPU);
  EXPECT_EQ(saved->card().sampler.steps, 3);
  EXPECT_EQ(saved->card().provenance["iterations"], 4);
  // A second fresh run into the same directory is refused rather than overwriting it.
  test::expect_error([&] { Trainer(cfg, dir, torch::kCPU); }, {dir, "--resume"});
}

TEST(Trainer, ResumeIsBitIdenticalToAnUninterruptedRun) {
  TrainerConfig cfg = tiny_config();
  const Dataset data = load_dataset(cfg.data);
  const std::string a = test::temp_dir("a"), b = test::temp_dir("b");
  Trainer full(cfg, a, torch::kCPU);
  full.run(data, nullptr, nullptr);

  // Stop after 2 iterations (as a kill right after a checkpoint would), then resume.
  std::atomic<bool> stop{false};
  {
    Trainer first(cfg, b, torch::kCPU);
    first.run(data, &stop, [&](const TrainProgress& p) { if (p.iteration == 2) stop = true; });
    EXPECT_EQ(first.iteration(), 2);
  }
  Trainer resumed = Trainer::resume(b, torch::kCPU);
  EXPECT_EQ(resumed.iteration(), 2);
  resumed.run(data, nullptr, nullptr);
  const auto pa = full.model().named_parameters(), pb = resumed.model().named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
}

TEST(Trainer, ANewRunNeverGoesIntoAFolderThatIsNotARun) {
  const TrainerConfig cfg = tiny_config();
  const std::string dir = test::temp_dir("users");
  { std::ofstream(dir + "/model.safetensors") << "the user's model"; }
  test::expect_error([&] { Trainer(cfg, dir, torch::kCPU); }, {dir, "not a run directory", "model.safetensors"});
  std::ifstream in(dir + "/model.safetensors");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "the user's model");
  EXPECT_FALSE(std::filesystem::exists(dir + "/config.json"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/.lock"));
  // A config.json of something else is no run either.
  const std::string other = test::temp_dir("other_json");
  { std::ofstream(other + "/config.json") << "{\"editor\": \"vim\"}"; }
  test::expect_error([&] { Trainer(cfg, other, torch::kCPU); }, {other, "not a run directory", "config.json"});
  // A file where the directory should be.
  const std::string file = test::temp_dir("file") + "/run";
  { std::ofstream(file) << "x"; }
  test::expect_error([&] { Trainer(cfg, file, torch::kCPU); }, {file, "not a directory"});
}

TEST(Trainer, TheDataLimitIsPartOfTheRunsConfig) {
  TrainerConfig cfg = tiny_config();
  cfg.limit = 5;
  const nlohmann::json j = cfg;
  EXPECT_EQ(j.at("limit"), 5);
  EXPECT_EQ(j.get<TrainerConfig>().limit, 5);
  nlohmann::json old = j;
  old.erase("limit");  // config.json of a run from before: all images
  EXPECT_EQ(old.get<TrainerConfig>().limit, 0);
  old["limit"] = -1;
  test::expect_error([&] { old.get<TrainerConfig>(); }, {"limit"});
  // A hand-edited config.json (what --resume reads) with numbers no field can hold: refused
  // naming the field, never cast (a double past int64's range is undefined behaviour).
  for (const char* key : {"iters", "batch", "seed", "log_every"}) {
    nlohmann::json bad = j;
    bad[key] = 1e300;
    test::expect_error([&] { bad.get<TrainerConfig>(); }, {key});
  }
  nlohmann::json typed = j;
  typed["lr"] = "fast";
  test::expect_error([&] { typed.get<TrainerConfig>(); }, {"lr", "finite number"});
  const std::string dir = test::temp_dir("limit");
  { Trainer t(cfg, dir, torch::kCPU); }
  std::ifstream in(dir + "/config.json");
  EXPECT_EQ(nlohmann::json::parse(in).at("limit"), 5);  // what --resume reads
}

TEST(RunLock, DeletingTheLockFileDoesNotFreeTheRun) {
  const std::string dir = test::temp_dir("lock");
  RunLock held(dir);
  ASSERT_EQ(::unlink((dir + "/.lock").c_str()), 0);
  // flock locks belong to open file descriptions, so a second lock in this process conflicts too.
  test::expect_error([&] { RunLock second(dir); }, {dir, "another trainer", "PID " + std::to_string(getpid())});
  EXPECT_FALSE(std::filesystem::exists(dir + "/.lock"));
  held = RunLock();
  RunLock after(dir);  // released: the next trainer gets it
}

TEST(Trainer, BadInputs) {
  TrainerConfig cfg = tiny_config();
  test::expect_error([&] { Trainer::resume(test::temp_dir("empty"), torch::kCPU); }, {"not a run directory"});
  cfg.batch = 0;
  test::expect_error([&] { cfg.validate(); }, {"batch"});
  // Data of another shape than the model's.
  cfg = tiny_config();
  cfg.arch.channels = 3;
  Trainer t(cfg, test::temp_dir("shape"), torch::kCPU);
  test::expect_error([&] { t.run(load_dataset(cfg.data), nullptr, nullptr); }, {"3x32x32"});
}

}  // namespace
}  // namespace shortrun

namespace shortrun {
namespace {

// A checkpoint's optimizer state is file input too: malformed names and counts are one-line
// errors naming the file, not "stoul" or "a Tensor with 2 elements".
TEST(Trainer, WarmStartTakesTheCheckpointsWeightsAndRefusesAnotherArchitecture) {
  const TrainerConfig cfg = tiny_config();
  // A trained run's checkpoint is the start of a new run: same weights, fresh optimiser.
  const std::string first = test::temp_dir("warm_first");
  {
    Trainer t(cfg, first, torch::kCPU);
    t.run(load_dataset(cfg.data), nullptr, [](const TrainProgress&) {});
  }
  const std::string ckpt = first + "/checkpoints/latest.safetensors";
  const LoadedCheckpoint trained = load_checkpoint(ckpt, torch::kCPU);
  TrainerConfig warm = cfg;
  warm.init_weights = ckpt;
  Trainer t(warm, test::temp_dir("warm_second"), torch::kCPU);
  const auto want = trained.model->named_parameters(), have = t.model().named_parameters();
  ASSERT_EQ(want.size(), have.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(torch::equal(want[i].second, have[i].second)) << want[i].first;
  // ...and differ from a random start with the same seed (the copy is not a no-op).
  Trainer cold(cfg, test::temp_dir("warm_cold"), torch::kCPU);
  EXPECT_FALSE(torch::equal(cold.model().named_parameters()[0].second, want[0].second));

  TrainerConfig other = warm;
  other.arch.nf = 8;
  test::expect_error([&] { Trainer(other, test::temp_dir("warm_other"), torch::kCPU); },
                     {ckpt, "has architecture", "the run asks for"});
}

TEST(AdamState, MalformedNamesAndCountsAreClearErrors) {
  torch::Tensor w = torch::zeros({3}, torch::requires_grad());
  Adam adam({w}, AdamOptions{1e-3, 0.9, 0.999, 1e-8});
  const torch::Tensor m = torch::zeros({3}), step = torch::tensor(int64_t(4));
  test::expect_error([&] { adam.load_state({{"adam/step", step}, {"adam/m/x", m}, {"adam/v/0", m}}, "ck.safetensors"); },
                     {"ck.safetensors", "adam/m/x", "adam/m/N"});
  test::expect_error([&] { adam.load_state({{"adam/step", torch::tensor({1, 2})}, {"adam/m/0", m}, {"adam/v/0", m}}, "ck.safetensors"); },
                     {"ck.safetensors", "adam/step"});
  EXPECT_NO_THROW(adam.load_state({{"adam/step", step}, {"adam/m/0", m}, {"adam/v/0", m}}, "ck.safetensors"));
}

// Presets (issue 25, part 6): every preset of the table resolves to a valid configuration with its
// values, names a source for each, and a switch given explicitly keeps its value.
TEST(TrainingPresets, EachResolvesAndAnExplicitFlagWins) {
  ASSERT_EQ(training_presets().size(), 4u);
  for (const TrainingPreset& p : training_presets()) {
    TrainerConfig c;
    apply_training_preset(p, c);
    EXPECT_NO_THROW(c.validate()) << p.name;
    EXPECT_EQ(c.preset, p.name);
    for (const PresetSetting& s : p.settings) EXPECT_FALSE(s.source.empty()) << p.name << " " << s.flag;
  }
  TrainerConfig c;
  apply_training_preset(find_training_preset("anatomy-convergent"), c);
  EXPECT_EQ(c.sampler.steps, 500);
  EXPECT_DOUBLE_EQ(c.sampler.noise_std, 0.0075);
  EXPECT_EQ(c.init, "persistent");
  EXPECT_EQ(c.buffer, 60000);
  EXPECT_DOUBLE_EQ(c.reinit, 0.0);
  EXPECT_EQ(c.batch, 100);
  EXPECT_DOUBLE_EQ(c.data_noise, 0.015);
  EXPECT_EQ(c.arch.nf, 32);
  EXPECT_DOUBLE_EQ(c.arch.leak, 0.05);
  TrainerConfig j;
  j.sampler.steps = 7;
  j.buffer = 300;
  apply_training_preset(find_training_preset("jem-like"), j,
                        [](const std::string& flag) { return flag == "--steps" || flag == "--buffer"; });
  EXPECT_EQ(j.sampler.steps, 7);   // given: kept
  EXPECT_EQ(j.buffer, 300);
  EXPECT_DOUBLE_EQ(j.reinit, 0.05);  // the preset's
  EXPECT_EQ(j.arch.kind, "resnet");
  test::expect_error([] { find_training_preset("igebm"); }, {"igebm", "paper | anatomy-convergent | anatomy-nonconvergent | jem-like"});
  // config.json keeps the preset's name.
  const nlohmann::json cfg = j;
  EXPECT_EQ(cfg["preset"], "jem-like");
  EXPECT_EQ(cfg.get<TrainerConfig>().preset, "jem-like");
}

}  // namespace
}  // namespace shortrun

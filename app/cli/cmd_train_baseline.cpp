// `shortrun train --model vae|gan` (see cmd_train_baseline.h).
#include "cmd_train_baseline.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "shortrun/base/error.h"
#include "shortrun/baselines/baseline_trainer.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/run_directory.h"
#include "view_support.h"

namespace shortrun::cli {
namespace {

// The EBM's options that mean nothing to a VAE or GAN.
const char* const kEbmOnly[] = {"--steps", "--step-size", "--noise", "--clamp", "--data-noise", "--arch", "--activation",
                                "--energy-l2", "--lr-schedule", "--init-weights", "--eval-every", "--eval-n",
                                "--eval-features", "--watch-gap"};
// The options that shape a baseline run: fixed when it starts (config.json).
const char* const kShaping[] = {"--data", "--batch", "--lr", "--nf", "--image-size", "--seed", "--log-every", "--sample-every",
                                "--checkpoint-every", "--no-watchdog", "--watch-patience", "--rollback-lr-factor",
                                "--latent", "--vae-sigma", "--watch-d-loss", "--limit"};

const CLI::Option* opt(const CLI::App& cmd, const std::string& name) {
  try {
    return cmd.get_option(name);
  } catch (const CLI::OptionNotFound&) {
    return nullptr;
  }
}
bool given(const CLI::App& cmd, const std::string& name) {
  const CLI::Option* o = opt(cmd, name);
  return o && o->count() > 0;
}
template <typename T>
void read_if_given(const CLI::App& cmd, const std::string& name, T& value) {
  if (given(cmd, name)) value = opt(cmd, name)->as<T>();
}

std::string format_seconds(double s) {
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

void report(const BaselineProgress& p) {
  if (!p.event.empty()) {
    std::printf("%s: %s\n", p.event.c_str(), p.message.c_str());
  } else {
    std::printf("iter %6lld/%lld ", static_cast<long long>(p.iteration), static_cast<long long>(p.iters));
    for (const char* name : {"loss", "recon", "kl", "mse", "d_loss", "g_loss", "d_real", "d_fake"})
      if (const auto v = p.values.find(name); v != p.values.end()) std::printf(" %s %+.4f", name, v->second);
    std::printf("  %6.3f it/s  ETA %s\n", p.its_per_s, format_seconds(p.eta_s).c_str());
  }
  std::fflush(stdout);
}

}  // namespace

void add_baseline_train_options(CLI::App& cmd, BaselineTrainOptions& o) {
  cmd.add_option("--latent", o.latent, "--model vae|gan: latent size (z ~ N(0, I))")->capture_default_str()->check(CLI::Range(1, 4096));
  cmd.add_option("--vae-sigma", o.vae_sigma, "--model vae: std of the Gaussian likelihood p(x|z) on [-1,1] pixels")
      ->capture_default_str()->check(CLI::Range(1e-3, 10.0));
  cmd.add_option("--watch-d-loss", o.watch_d_loss,
                 "--model gan: discriminator loss below which a logged window counts as collapse (watchdog)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
}

bool run_baseline_training_if_asked(const CLI::App& cmd, const std::string& model, const std::string& out,
                                    const std::string& resume, const BaselineTrainOptions& b, const RuntimeOptions& rt) {
  const std::string resumed_kind = resume.empty() ? "" : baseline_run_kind(resume);
  if (!resume.empty() && given(cmd, "--model") && model != (resumed_kind.empty() ? "ebm" : resumed_kind))
    throw CLI::ValidationError("--model", resume + " is " + (resumed_kind.empty() ? "not a VAE or GAN run" : "a " + resumed_kind + " run") +
                                              "; --resume continues it as what it is (leave out --model)");
  const bool baseline = resume.empty() ? model != "ebm" : !resumed_kind.empty();
  if (!baseline) {
    for (const char* name : {"--latent", "--vae-sigma", "--watch-d-loss"})
      if (given(cmd, name)) throw CLI::ValidationError(name, "is for --model vae|gan");
    return false;
  }
  for (const char* name : kEbmOnly)
    if (given(cmd, name)) throw CLI::ValidationError(name, "is for --model ebm (the energy model); a VAE or GAN does not take it");
  if (out.empty() == resume.empty()) throw CLI::ValidationError("train", "give exactly one of --out RUN_DIR or --resume RUN_DIR");
  if (!resume.empty())
    for (const char* name : kShaping)
      if (given(cmd, name) && std::string(name) != "--limit")
        throw CLI::ValidationError(name, "shapes the run and is fixed when it starts; --resume continues with " + resume +
                                             "/config.json's setting (start a new run to change it)");

  BaselineTrainerConfig c;
  if (resume.empty()) {
    c.spec.kind = model;
    c.spec.latent = b.latent;
    c.spec.vae_sigma = b.vae_sigma;
    c.watch_d_loss = b.watch_d_loss;
    read_if_given(cmd, "--data", c.data);
    if (c.data.rfind("toy:", 0) == 0) throw CLI::ValidationError("--data", "the 2-D playground trains energy models only (--model ebm)");
    if (!is_utf8(c.data))
      throw file_error(c.data, "the name given to --data is not UTF-8, which config.json (read by --resume) cannot record; rename it");
    read_if_given(cmd, "--limit", c.limit);
    read_if_given(cmd, "--nf", c.spec.nf);
    read_if_given(cmd, "--image-size", c.spec.image_size);
    read_if_given(cmd, "--iters", c.iters);
    read_if_given(cmd, "--batch", c.batch);
    read_if_given(cmd, "--lr", c.lr);
    read_if_given(cmd, "--seed", c.seed);
    read_if_given(cmd, "--log-every", c.log_every);
    read_if_given(cmd, "--sample-every", c.sample_every);
    read_if_given(cmd, "--checkpoint-every", c.checkpoint_every);
    read_if_given(cmd, "--watch-patience", c.watch_patience);
    read_if_given(cmd, "--rollback-lr-factor", c.rollback_lr_factor);
    if (given(cmd, "--no-watchdog")) c.watchdog = false;
    try {
      c.validate();
    } catch (const Error& e) {
      throw CLI::ValidationError("train", e.what());
    }
  }
  const torch::Device device = apply_runtime(rt);
  const std::string dir = resume.empty() ? out : resume;
  {
    std::vector<NamedPath> outputs, inputs;
    for (const char* f : {"/config.json", "/metrics.jsonl", "/model.safetensors", "/checkpoints/latest.safetensors",
                          "/checkpoints/latest.1.safetensors", "/checkpoints/latest.2.safetensors"})
      outputs.push_back({"the run's " + std::string(f + 1), dir + f});
    if (c.data.rfind("idx:", 0) == 0) inputs.push_back({"--data", c.data.substr(4)});
    check_outputs_apart(outputs, inputs);
  }
  // A new run reads its data before it creates anything: bad data leaves no run directory.
  Dataset data;
  std::unique_ptr<BaselineTrainer> trainer;
  if (resume.empty()) {
    if (baseline_run_kind(out).empty()) check_new_run_directory(out, RunKind::kImage);
    DataOptions d;
    d.image_size = c.spec.image_size;
    d.limit = c.limit;
    data = load_dataset(c.data, d);
    c.spec.channels = data.images.size(1);  // the model follows its data's channels
    trainer = std::make_unique<BaselineTrainer>(c, out, device);
  } else {
    trainer = std::make_unique<BaselineTrainer>(BaselineTrainer::resume(resume, device));
    if (given(cmd, "--limit") && opt(cmd, "--limit")->as<int64_t>() != trainer->config().limit)
      throw CLI::ValidationError("--limit", "this run trains on --limit " + std::to_string(trainer->config().limit) + " (" + resume +
                                                "/config.json); --resume keeps it (start a new run to change it)");
    if (given(cmd, "--iters")) trainer->set_iters(opt(cmd, "--iters")->as<int64_t>());
    DataOptions d;
    d.image_size = trainer->config().spec.image_size;
    d.limit = trainer->config().limit;
    data = load_dataset(trainer->config().data, d);
  }
  if (const char* at = std::getenv("SHORTRUN_TEST_NONFINITE_AT")) trainer->inject_nonfinite_at(std::atoll(at));
  const BaselineTrainerConfig& cfg = trainer->config();
  std::cout << (resume.empty() ? "training " : "resuming at iteration " + std::to_string(trainer->iteration()) + ": ")
            << cfg.spec.summary() << " (" << trainer->model().parameter_count() << " weights) on " << data.description
            << "; batch=" << cfg.batch << " lr=" << cfg.lr << " betas=" << cfg.beta1 << "," << cfg.beta2 << " -> " << dir << " ("
            << device << ", " << torch::get_num_threads() << " threads)" << std::endl;
  int64_t done = 0;
  bool stopped = false;
  {
    const Interrupt interrupt;  // Ctrl+C: a checkpoint of the last finished iteration, resumable
    done = trainer->run(data, interrupt.flag(), report);
    stopped = interrupt.raised();
  }
  std::cout << (stopped ? "interrupted; saved" : "done;") << " iteration " << done << " -> " << trainer->latest_checkpoint()
            << " and " << dir << "/model.safetensors" << std::endl;
  if (stopped) std::exit(130);
  return true;
}

}  // namespace shortrun::cli

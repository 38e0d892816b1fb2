// Training a generator baseline (VAE or DCGAN) into a run directory laid out as the EBM
// trainer's: config.json (with "model": "vae"|"gan"), metrics.jsonl, samples/iter_NNNNNN.png,
// checkpoints/latest{,.1,.2}.safetensors and model.safetensors. Exact resume: batch indices,
// the VAE's eps and the GAN's z are counter-based functions of (seed, iteration), so the state is
// weights + BatchNorm statistics + Adam + counters. One writer per run (RunLock).
// Watchdog: a non-finite loss (either net's), or for the GAN a discriminator loss below
// watch_d_loss over watch_patience logged windows in a row (the discriminator has won and the
// generator's gradient vanishes), rolls back to the last checkpoint and scales the learning rate.
#pragma once
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/baselines/baseline_model.h"
#include "shortrun/io/datasets.h"
#include "shortrun/training/adam.h"
#include "shortrun/training/run_files.h"

namespace shortrun {

struct BaselineTrainerConfig {
  std::string data = "fashion-mnist";
  int64_t limit = 0;  // first N images only (0: all); kept for --resume
  BaselineSpec spec;  // kind, latent, n_f, ...; channels and size follow the data
  int64_t iters = 2000, batch = 64;  // about 2 epochs of Fashion-MNIST: under an hour on 2 CPU cores
  double lr = 2e-4, beta1 = 0.5, beta2 = 0.999;  // DCGAN's Adam, for both kinds
  uint64_t seed = 1;
  int64_t log_every = 10, sample_every = 100, checkpoint_every = 100;
  bool watchdog = true;
  double watch_d_loss = 1e-3;  // GAN: mean discriminator loss below this counts as collapse
  int64_t watch_patience = 3;
  double rollback_lr_factor = 0.5;
  int64_t max_rollbacks = 5;

  void validate() const;
};
void to_json(nlohmann::json& j, const BaselineTrainerConfig& c);
void from_json(const nlohmann::json& j, BaselineTrainerConfig& c);

// Whether a run directory's config.json is a baseline run's; "vae" or "gan" then, else "".
std::string baseline_run_kind(const std::string& dir);

struct BaselineProgress {
  int64_t iteration = 0, iters = 0;
  double its_per_s = 0, eta_s = 0, wall_s = 0, lr = 0;
  std::string event;    // "" for a regular log line; "rollback" or "warning"
  std::string message;
  // Window means of the logged losses: VAE "loss" (−ELBO), "recon", "kl", "mse";
  // GAN "d_loss", "g_loss", "d_real", "d_fake" (mean sigmoid of the discriminator's logits).
  std::map<std::string, double> values;
};

class BaselineTrainer {
 public:
  BaselineTrainer(BaselineTrainerConfig config, std::string out_dir, torch::Device device);
  static BaselineTrainer resume(const std::string& out_dir, torch::Device device);

  // Trains until config.iters or *stop; always leaves a checkpoint of the last finished iteration.
  int64_t run(const Dataset& data, const std::atomic<bool>* stop, const std::function<void(const BaselineProgress&)>& on_log);

  BaselineModel& model() { return *model_; }
  const BaselineTrainerConfig& config() const { return config_; }
  int64_t iteration() const { return iteration_; }
  std::string latest_checkpoint() const { return files_.latest(); }
  void set_iters(int64_t iters);  // a new total for a resumed run; rewrites config.json
  // Test hook (SHORTRUN_TEST_NONFINITE_AT): that iteration's loss becomes NaN, once.
  void inject_nonfinite_at(int64_t iteration) { inject_nonfinite_at_ = iteration; }

 private:
  static constexpr int kAcc = 4;  // logged values per kind
  BaselineTrainer(BaselineTrainerConfig config, std::string out_dir, torch::Device device, bool fresh);
  void save(const std::string& path, bool rotate);
  void restore(const std::string& path);
  std::string restore_generation(int first);  // the newest loadable checkpoint from `first` on (RunFiles)
  double trim_metrics();                      // returns the wall time logged up to iteration_
  nlohmann::json stored_config() const;
  nlohmann::json config_file() const;  // config.json: stored_config() with the torch version
  void write_sample_grid();
  // One iteration's update on batch x; returns the kAcc logged values (NaN when it diverged).
  std::vector<double> step(const torch::Tensor& x, int64_t it);
  std::vector<std::string> value_names() const;

  BaselineTrainerConfig config_;
  std::string out_dir_;
  torch::Device device_;
  std::unique_ptr<BaselineModel> model_;
  // VAE: adam_g_ holds both nets' weights. GAN: adam_g_ the generator's, adam_d_ the discriminator's.
  std::unique_ptr<Adam> adam_g_, adam_d_;
  int64_t iteration_ = 0, rollbacks_ = 0, rollback_depth_ = 0, trained_threads_ = 0;
  int64_t inject_nonfinite_at_ = -1;
  double wall_before_ = 0;
  struct Running {
    double sum[kAcc] = {0, 0, 0, 0};
    int64_t n = 0, strikes = 0;
  } acc_;
  std::vector<std::string> warnings_;
  RunFiles files_;  // the run directory (lock, config.json, metrics.jsonl, checkpoint generations)
};

}  // namespace shortrun

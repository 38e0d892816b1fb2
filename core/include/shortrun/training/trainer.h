// Maximum-likelihood learning with short-run MCMC (the paper's loop): per iteration a noisy
// data batch and K-step samples (from uniform noise by default; --init chooses); loss =
// mean f(samples) − mean f(data); Adam. Writes a run directory: config.json, metrics.jsonl,
// samples/, checkpoints/ (with EMA weights and the replay buffer beside each checkpoint).
#pragma once
#include <atomic>
#include <cmath>
#include <functional>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "shortrun/io/datasets.h"
#include "shortrun/model/arch.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/training/adam.h"
#include "shortrun/training/data_parallel.h"
#include "shortrun/training/ema.h"
#include "shortrun/training/features.h"
#include "shortrun/training/frechet.h"
#include "shortrun/training/long_run_health.h"
#include "shortrun/training/lr_schedule.h"
#include "shortrun/training/replay_buffer.h"
#include "shortrun/training/run_files.h"

namespace shortrun {

// The long-run chains' seed is the run's seed plus this (the evaluation's chains use + 7919).
constexpr uint64_t kLongRunSeedOffset = 104729;

struct TrainerConfig {
  std::string data = "fashion-mnist";
  // Only the first `limit` data images (0: all); stored in config.json, so --resume trains on
  // the same images (it used to take all 60,000 again).
  int64_t limit = 0;
  ArchSpec arch;
  SamplerConfig sampler;     // K=100, step 1, noise 0.01 (the paper's)
  int64_t iters = 2000;
  int64_t batch = 64;
  double lr = 1e-4, beta1 = 0.9, beta2 = 0.999;
  // Multiplies lr per iteration; "cosine" without a horizon decays over `iters` (fixed at the
  // start of the run and kept in every checkpoint, so --resume --iters N does not bend it).
  LrSchedule lr_schedule;
  double data_noise = 0.03;  // σ of the Gaussian added to data
  double energy_l2 = 0.0;    // α of the energy magnitude penalty (contrastive_loss.h); 0: the paper's loss
  // Where each iteration's chains start: "uniform" U(-1,1) (the paper's), "gaussian" N(0,1),
  // "data" (the iteration's noisy data batch, as in contrastive divergence) or "persistent" (a
  // replay buffer of `buffer` chains; each iteration draws `batch` distinct ones, re-initialises
  // each with probability `reinit` from U(-1,1), runs K steps and writes them back).
  std::string init = "uniform";
  int64_t buffer = 10000;
  double reinit = 0.05;
  // Decay of the EMA weights kept beside every checkpoint (X.ema.safetensors); 0: none.
  double ema = 0.0;
  uint64_t seed = 1;
  int64_t log_every = 10, sample_every = 100, checkpoint_every = 100;
  // Evaluation: every eval_every iterations (0: never) the FD of eval_n samples against the test
  // split in the feature space of eval_features; the best checkpoint is kept as best.safetensors.
  int64_t eval_every = 0, eval_n = 500;
  std::string eval_features;
  // Long-run health (issue 25, part 4): every long_run_every iterations (0: never) chains
  // 0..long_run_chains-1 of their own noise stream (seed + kLongRunSeedOffset, apart from the
  // training and evaluation chains) run to long_run_steps = K2 steps; metrics.jsonl gets one
  // "long_run" line (energy drift f(x_K2) - f(x_K), saturation, FD at K and K2 with a feature net).
  int64_t long_run_every = 0, long_run_steps = 2000, long_run_chains = 64;
  // Divergence watchdog: a non-finite loss, or |f(data) − f(samples)| above watch_gap for
  // watch_patience logged iterations in a row, rolls back to the last good checkpoint and
  // multiplies the learning rate by rollback_lr_factor (at most max_rollbacks times).
  bool watchdog = true;
  double watch_gap = 100.0;
  int64_t watch_patience = 3;
  double rollback_lr_factor = 0.5;
  int64_t max_rollbacks = 5;
  // A native checkpoint of the same architecture whose weights the run starts from (a warm start:
  // the optimiser state starts fresh); "" = random initial weights.
  std::string init_weights;
  // The --preset the run started from ("" : none); the resolved values are the fields above.
  std::string preset;

  void validate() const;
};
void to_json(nlohmann::json& j, const TrainerConfig& c);
void from_json(const nlohmann::json& j, TrainerConfig& c);

struct TrainProgress {
  int64_t iteration = 0, iters = 0;
  double f_data = 0, f_samples = 0, grad_norm = 0, its_per_s = 0, eta_s = 0, wall_s = 0, lr = 0;
  std::string event;  // "" for a regular log line; "eval", "long_run", "rollback", "warning" otherwise
  std::string message;
  double fd = NAN;    // set with event "eval"
  // Anatomy diagnostics (Nijkamp et al. 2020) of the logged iteration's own chain: ‖∇f(x_k)‖
  // averaged over chains at k = 0, K/2 and K; mean ‖x_{k+1} − x_k‖ over k in at most 16 bins of
  // consecutive steps (bin i covers k in [i·K/B, (i+1)·K/B)); fraction of sample pixels with
  // |x| >= 0.99. The gap f_data − f_samples is the energy difference of the same paper.
  double grad_norm_start = NAN, grad_norm_mid = NAN, grad_norm_end = NAN, saturated = NAN;
  std::vector<double> step_norm_profile;
  // Persistent runs: the buffer's mean age (K-step runs since re-initialisation) and the chains
  // re-initialised in the logged iteration (NaN / -1 otherwise).
  double buffer_mean_age = NAN;
  int64_t buffer_reinit = -1;
};

class Trainer {
 public:
  // Starts a new run in out_dir (created; must not hold another run).
  Trainer(TrainerConfig config, std::string out_dir, torch::Device device);
  // Continues the run in out_dir from checkpoints/latest.safetensors.
  static Trainer resume(const std::string& out_dir, torch::Device device);

  // Trains until config.iters or until *stop becomes true; always leaves a checkpoint of the
  // last completed iteration. Returns the number of completed iterations.
  int64_t run(const Dataset& data, const std::atomic<bool>* stop,
              const std::function<void(const TrainProgress&)>& on_log);

  NativeEnergyModel& model() { return *model_; }
  // The EMA weights (nullptr unless config().ema > 0) and the replay buffer (nullptr unless
  // config().init is "persistent").
  EmaWeights* ema() { return ema_.get(); }
  const ReplayBuffer* buffer() const { return buffer_.get(); }
  const TrainerConfig& config() const { return config_; }
  int64_t iteration() const { return iteration_; }
  std::string latest_checkpoint() const;
  // Changes the run's total iterations (to extend a resumed run); updates config.json.
  void set_iters(int64_t iters);
  // Records the data limit of a run whose config.json predates it being kept; updates config.json.
  void set_limit(int64_t limit);
  // Turns evaluation on/off for the rest of the run (every = 0: off); updates config.json.
  void set_evaluation(int64_t every, int64_t n, const std::string& features);
  // Test hook: the energies of that iteration become NaN, once (a divergence that does not
  // depend on floating-point rounding). The CLI sets it from SHORTRUN_TEST_NONFINITE_AT.
  void inject_nonfinite_at(int64_t iteration) { inject_nonfinite_at_ = iteration; }
  // Test hook: called once per trained iteration with its chains' starts x_0, ends x_K and (for
  // --init persistent) the buffer draw they came from.
  using ChainObserver = std::function<void(int64_t iteration, const torch::Tensor& x0, const torch::Tensor& x_end,
                                           const BufferDraw* draw)>;
  void observe_chains(ChainObserver f) { chain_observer_ = std::move(f); }

 private:
  Trainer(TrainerConfig config, std::string out_dir, torch::Device device, bool fresh);
  // Writes the training state (everything an uninterrupted run would carry on with; no wall
  // time, so two identical runs give identical files). rotate: keep the older generations.
  void save(const std::string& path, bool rotate);
  // Copies the weights of a native checkpoint with this run's architecture into the model.
  void warm_start(const std::string& path);
  // Loads weights, Adam state and counters from a checkpoint of this run (all validated).
  void restore(const std::string& path);
  // Restores the newest loadable checkpoint generation from `first` on (RunFiles::restore_newest);
  // returns its path. Falling back past an unloadable one leaves a warning for the next run().
  std::string restore_generation(int first);
  // Drops metrics.jsonl lines of iterations after iteration_ (they will run again); returns
  // the wall time logged up to there. Notes whether a checkpoint event of iteration_ is kept.
  double trim_metrics();
  // config_ as written to config.json and provenance: data and feature paths relative to the
  // run directory or assets/ (portable_path.h), never this machine's absolute paths.
  nlohmann::json stored_config() const;
  nlohmann::json config_file() const;  // config.json: stored_config() with the torch version and world size
  void write_sample_grid(const torch::Tensor& samples);
  // --long-run-every: continues the long-run chains to K2 and logs one "long_run" line (FDs when
  // `features` is given).
  void log_long_run(FeatureExtractor* features, const GaussianStats& test_stats,
                    const std::function<void(const TrainProgress&)>& on_log);

  TrainerConfig config_;
  std::string out_dir_;
  torch::Device device_;
  std::unique_ptr<NativeEnergyModel> model_;
  std::unique_ptr<Adam> adam_;
  std::unique_ptr<EmaWeights> ema_;
  std::unique_ptr<ReplayBuffer> buffer_;
  int64_t iteration_ = 0;
  double wall_before_ = 0;  // seconds trained before this process (resumed runs)
  double best_fd_ = INFINITY;
  int64_t rollbacks_ = 0;
  int64_t inject_nonfinite_at_ = -1;
  ChainObserver chain_observer_;
  // Running sums between log lines and the watchdog's strike count: saved with the weights so
  // a resumed run logs exactly what the uninterrupted one would.
  struct Running {
    double f_data = 0, f_samples = 0, grad = 0;
    int64_t n = 0, strikes = 0;
  } acc_;
  int64_t trained_threads_ = 0;   // intra-op threads of the run so far (results depend on it)
  int64_t rollback_depth_ = 0;    // rollbacks since the last new checkpoint: how far back to go
  // The iteration whose checkpoint event metrics.jsonl holds at the restored point (-1: none).
  // A run that ended (or was stopped) on the checkpoint cadence saved that iteration without
  // measuring it; the continuation logs the event when it measures it, as a straight run does.
  int64_t checkpoint_logged_at_ = -1;
  std::vector<std::string> warnings_;
  // Data-parallel training (issue 27): this rank's batch slice and the group; rank 0 alone writes
  // the run directory and holds its lock. A single process: the whole batch, writer.
  DataParallel dp_;
  RunFiles files_;  // the run directory (lock, config.json, metrics.jsonl, checkpoint generations)
};

}  // namespace shortrun

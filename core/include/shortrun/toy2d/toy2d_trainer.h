// The 2-D playground's core: the paper's short-run loop on a toy density (uniform-noise init over
// the box, K Langevin steps, Adam on mean f(data) − mean f(samples)) as a steppable object for a
// GUI worker thread: step(n) with a cancel flag and a log callback, settings changeable between
// steps, and plain-data results (particles with trails, f / exp(f) / ∇f on a grid, KL and MMD).
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/sampling/noise.h"
#include "shortrun/toy2d/toy2d_energy.h"
#include "shortrun/toy2d/toy2d_target.h"
#include "shortrun/training/adam.h"

namespace shortrun {

// Fixed for a trainer's lifetime.
struct Toy2dConfig {
  std::string target = "ring8";  // Toy2dTarget::from_spec
  int64_t hidden = 128;          // MLP width: 2 → hidden → hidden → 1
  std::string activation = "silu";  // silu | softplus
  uint64_t seed = 1;             // weights, data draws and all chain noise
  void validate() const;
};
void to_json(nlohmann::json& j, const Toy2dConfig& c);
void from_json(const nlohmann::json& j, Toy2dConfig& c);

// May change between step() calls; the next iteration uses the new values.
struct Toy2dSettings {
  int64_t steps = 50;        // K
  double step_size = 0.02;   // multiplies ∇f (the textbook pairing with noise s is s²/2)
  double noise_std = 0.2;    // multiplies u_k ~ N(0, I)
  double lr = 1e-3;          // Adam (β = 0.9, 0.999)
  int64_t batch = 256;       // data points and chains per iteration
  double data_noise = 0.0;   // σ of Gaussian noise added to data
  int64_t log_every = 10;    // iterations between history entries (with KL and MMD)
  int64_t trail_chains = 64; // chains of each iteration whose whole trail is kept (last_chain())
  // Energy magnitude penalty α·(mean f(data)² + mean f(samples)²) added to the loss: it keeps f
  // from drifting up until the chain's step is unstable on the sharpened density (see README).
  double energy_l2 = 0.01;
  // The watchdog: |gap| > watch_gap on watch_patience iterations in a row (or a non-finite
  // energy) rolls back to a healthy snapshot and multiplies lr by rollback_lr_factor; after
  // max_rollbacks it gives up with an Error.
  bool watchdog = true;
  double watch_gap = 5.0;
  int64_t watch_patience = 3;
  double rollback_lr_factor = 0.5;
  int64_t max_rollbacks = 5;
  void validate() const;
};
void to_json(nlohmann::json& j, const Toy2dSettings& s);
void from_json(const nlohmann::json& j, Toy2dSettings& s);

// One history entry: the logged iteration's own batch.
struct Toy2dLog {
  int64_t iteration = 0;
  double f_data = 0, f_samples = 0, gap = 0;  // gap = f_data − f_samples
  double grad_norm = 0;  // mean ‖∇f‖ along the chain
  double kl = 0;         // KL(target ‖ samples) on a 64×64 grid, both smoothed alike
  double mmd = 0;        // squared MMD of samples vs 1024 target points (RBF, 3 bandwidths)
  double lr = 0, its_per_s = 0;
};

// A watchdog rollback: at `iteration` the run went back to `to_iteration` with learning rate lr.
struct Toy2dRollback {
  int64_t iteration = 0, to_iteration = 0, rollbacks = 0;
  double lr = 0;
  std::string reason;
};

// Particles over a chain: frames × n points, frame f at step f·every (the last frame is x_K).
struct Toy2dParticles {
  int64_t n = 0, frames = 0, every = 1;
  std::vector<float> xy;  // frames × n × 2
  const float* frame(int64_t f) const { return xy.data() + f * n * 2; }
};

// Fields on a g×g grid of cell centres over [-box, box]², row 0 at y = +box, row-major.
struct Toy2dField {
  int64_t size = 0;
  double box = 0;
  std::vector<float> energy;   // f
  std::vector<float> density;  // exp(f) normalised over the grid (sums to 1)
  std::vector<float> grad;     // ∇f, size × size × 2 (x, y)
};

class Toy2dTrainer {
 public:
  Toy2dTrainer(Toy2dConfig config, Toy2dSettings settings);

  // Runs up to n iterations; stops early when *cancel turns true (checked between iterations).
  // on_log sees each new history entry. Returns the iterations run. Throws shortrun::Error if
  // training diverges (a non-finite energy), leaving the weights of the last good iteration.
  // A watchdog rollback truncates history() to the iteration it returns to and calls on_rollback.
  int64_t step(int64_t n, const std::atomic<bool>* cancel = nullptr,
               const std::function<void(const Toy2dLog&)>& on_log = nullptr,
               const std::function<void(const Toy2dRollback&)>& on_rollback = nullptr);

  const Toy2dConfig& config() const { return config_; }
  const Toy2dSettings& settings() const { return settings_; }
  void set_settings(const Toy2dSettings& s);
  const Toy2dTarget& target() const { return target_; }
  int64_t iteration() const { return iteration_; }
  const std::vector<Toy2dLog>& history() const { return history_; }
  int64_t rollbacks() const { return rollbacks_; }
  // The weights of the logged iteration with the lowest KL so far (the run keeps them beside its
  // last weights: a late collapse does not cost the best model). best_iteration() < 0: none yet.
  int64_t best_iteration() const { return best_iteration_; }
  double best_kl() const { return best_kl_; }
  void save_best(const std::string& path, const Toy2dConfig* recorded = nullptr) const;
  // The last iteration's chains (settings.trail_chains of them), every step kept.
  const Toy2dParticles& last_chain() const { return last_chain_; }

  // f, exp(f) and ∇f on a g×g grid.
  Toy2dField field(int64_t g) const;
  // n chains of `steps` steps under the current settings from uniform noise over the box:
  // steps = K for short-run, steps ≫ K for long-run particles. record_every > 0 keeps every
  // that many steps (trails); 0 keeps x_0 and x_steps only. `seed` picks other chains.
  Toy2dParticles sample(int64_t n, int64_t steps, int64_t record_every = 0, uint64_t seed = 0) const;
  // The divergences of the history, for any [N,2] samples.
  double kl_grid(const torch::Tensor& samples) const;
  double mmd(const torch::Tensor& samples) const;

  // Weights, config, settings and iteration as .safetensors (written atomically).
  // recorded: the config written into the file (default: the trainer's own). An export records
  // where it copied a drawn target, so that its file matches the reproducing run's byte for byte.
  void save(const std::string& path, const Toy2dConfig* recorded = nullptr) const;
  Toy2dEnergy& energy() { return energy_; }

 private:
  // Runs the chain from x0 for `steps` steps; records every `record_every` steps the first
  // `keep` chains into `out` (when given); returns x_steps and the mean ‖∇f‖ along the chain.
  std::pair<torch::Tensor, double> run_chain(torch::Tensor x, const torch::Tensor& chains, const CounterNoise& noise,
                                             int64_t steps, int64_t record_every, int64_t keep, Toy2dParticles* out) const;
  torch::Tensor smoothed_grid(const torch::Tensor& points) const;  // KDE on the KL grid, sums to 1
  // What a rollback returns to: weights, Adam state and the iteration they belong to.
  struct Snapshot {
    int64_t iteration = 0;
    std::vector<torch::Tensor> weights;
    NamedTensors adam;
  };
  Snapshot snapshot() const;
  void rollback(const std::string& reason, const std::function<void(const Toy2dRollback&)>& on_rollback);
  void write(const std::string& path, const std::vector<torch::Tensor>& weights, int64_t iteration,
             const Toy2dConfig* recorded) const;

  Toy2dConfig config_;
  Toy2dSettings settings_;
  Toy2dTarget target_;
  CounterNoise noise_;
  mutable Toy2dEnergy energy_{nullptr};
  std::unique_ptr<Adam> adam_;
  int64_t iteration_ = 0;
  std::vector<Toy2dLog> history_;
  Toy2dParticles last_chain_;
  torch::Tensor reference_;       // 1024 target points (seed-fixed) for MMD and the KL grid
  torch::Tensor reference_grid_;  // their smoothed density on the KL grid
  std::vector<Snapshot> snapshots_;  // healthy states, oldest first (at most kSnapshots)
  int64_t strikes_ = 0, rollbacks_ = 0;
  double lr_scale_ = 1.0;  // the watchdog's cuts; settings_.lr stays the rate the run was given
  int64_t best_iteration_ = -1;
  double best_kl_ = 0;
  std::vector<torch::Tensor> best_weights_;
};

}  // namespace shortrun

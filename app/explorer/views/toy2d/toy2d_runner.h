// The 2-D playground's training thread: a Toy2dTrainer stepped one iteration at a time on its own
// thread (a continuous loop, so not a ViewJobs job that would hold up the other views), with
// start / pause / reset, controls applied at the next iteration, and plain-data snapshots
// (particles with trails, target and learned densities, f and ∇f on a grid, the KL/MMD history)
// published under a mutex at most ~12 times a second. The UI only swaps a shared_ptr: it never
// waits on training. No torch in this header (the UI library includes it).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace shortrun::explorer {

// What the playground's controls set. target: ring8 | moons | spirals | checkerboard |
// gaussian:MX,MY,SIGMA | image:PATH; a new target or seed resets training.
struct Toy2dControls {
  std::string target = "ring8";
  int64_t steps = 50;
  double step_size = 0.02;
  double noise = 0.2;
  double lr = 1e-3;
  int64_t batch = 256;
  uint64_t seed = 1;
  int64_t until = 0;  // pause by itself at this iteration (0: never)
  bool operator==(const Toy2dControls& o) const;
  bool same_run(const Toy2dControls& o) const { return target == o.target && seed == o.seed; }
};

struct Toy2dSnapshot {
  uint64_t version = 0;
  std::string target;
  int64_t iteration = 0;
  bool running = false;
  double its_per_s = 0;  // measured over the last second or so
  // Grids: size × size cells over [-box, box]², row 0 at y = +box.
  int grid = 0;
  float box = 4;
  std::vector<float> target_density;  // sums to 1
  std::vector<float> density;         // learned exp(f), normalised over the grid
  std::vector<float> energy;          // f
  std::vector<float> grad;            // ∇f, size × size × 2
  // The last iteration's short-run chains, every step: frames × n × 2 (frame k = x_k).
  int chains = 0, frames = 0;
  std::vector<float> trails;
  // Long-run: the same kind of chains run 10×K steps (x_10K), refreshed every few seconds.
  int long_n = 0;
  int64_t long_steps = 0, long_iteration = -1;
  std::vector<float> short_xy, long_xy;  // x_K and x_10K of the same chains, n × 2 each
  // History (one entry per log_every iterations).
  std::vector<float> kl, mmd, gap;
  std::vector<int64_t> logged;  // their iterations
  // Whether the settings stayed as they were at the start (the export then reproduces exactly).
  bool reproducible = true;
  int64_t changed_at = -1;  // first iteration run with changed settings
  // The model file the weights came from ("": trained here from fresh weights) and its iteration.
  std::string loaded;
  int64_t loaded_iteration = 0;
};

struct Toy2dExportResult {
  uint64_t id = 0;      // grows with each finished export
  std::string dir, command, error;
  int64_t iteration = 0;
  bool reproducible = false;
};

class Toy2dRunner {
 public:
  explicit Toy2dRunner(Toy2dControls initial);
  ~Toy2dRunner();
  Toy2dRunner(const Toy2dRunner&) = delete;
  Toy2dRunner& operator=(const Toy2dRunner&) = delete;

  // Applied before the next iteration (a new target or seed restarts from iteration 0).
  void set_controls(const Toy2dControls& c);
  Toy2dControls controls() const;
  void start();
  void pause();
  void reset();  // new weights (same seed), iteration 0, paused state kept
  // The painted canvas (size×size, values in [0,1], row 0 at the top) becomes the target: it is
  // written as an 8-bit PNG that the target reads as toy:image:PATH, exactly as the CLI would.
  void use_drawing(const std::vector<float>& canvas, int size);
  // Opens a 2-D playground model file (the model.safetensors of `shortrun train --data toy:...` or
  // of an export, or its run directory): its weights, target and settings replace the playground's,
  // paused at the file's iteration, with its density, field and K-step samples (and their KL / MMD)
  // shown as for a model trained here. Start trains on from it (with a fresh Adam state). A bad
  // file is an error() naming it; what was there stays.
  void load_model(const std::string& path);
  // Writes DIR/{playground.png, model.safetensors, metrics.jsonl, settings.json, command.txt}
  // between two iterations; the result arrives in export_result().
  void request_export(const std::string& dir);

  std::shared_ptr<const Toy2dSnapshot> snapshot() const;
  bool running() const;  // started and not paused (nor stopped at `until`)
  Toy2dExportResult export_result() const;
  // The newest error (a bad target file, divergence) and a version that grows with each.
  std::pair<std::string, uint64_t> error() const;
  // Training (the window keeps animating) or work not yet published (a reset, an export): what
  // a script's wait for the view waits out, so it needs `until` to end while training.
  bool busy() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shortrun::explorer

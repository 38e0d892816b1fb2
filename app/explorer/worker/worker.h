// The explorer's torch worker: one thread that owns the model (an energy model, or a VAE or GAN
// baseline: interpolation and reconstruction go through generators/generator.h) and runs every torch job
// (sampling, interpolation, reconstruction, exports) from a command queue. The UI thread only
// posts requests and reads published snapshots; it never waits on torch work.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "worker/export_request.h"
#include "worker/job_status.h"
#include "worker/snapshots.h"

namespace shortrun::explorer {

struct InterpRequest {
  int seed_a = 1, chain_a = 0, seed_b = 2, chain_b = 0;
  std::string path = "spherical";  // linear | spherical
  std::string noise = "fixed";     // fixed | mixed | off
  std::vector<float> rho;          // ρ values to generate
  SamplerSettings sampler;
};

struct ReconRequest {
  std::vector<float> observed;  // H·W·C in [-1,1]
  std::vector<float> mask;      // H·W, 1 = observed
  int iters = 100;              // a VAE: 0 = its encoder's mean alone
  float lr = 0.05f;
  int chain = 0;                // whose z0 and u_k to use (under sampler.seed)
  SamplerSettings sampler;
};

// Everything the worker has published, taken in one brief lock.
struct Published {
  std::shared_ptr<const ModelInfo> model;
  std::shared_ptr<ChainRun> chains;
  std::shared_ptr<const InterpResult> interp_live, interp_strip;
  std::shared_ptr<ReconRun> recon;
  std::shared_ptr<const LoadedImage> image;
  std::string error;        // the latest error ("" after a successful model load)
  std::string error_job;    // which job failed: model | sample | interpolation | reconstruction | export | ...
  std::string message;      // the latest notice (export written, ...)
  std::string activity;     // what the worker is doing now ("" when idle)
  uint64_t error_version = 0, message_version = 0;
  int queued = 0;
  std::vector<JobStatus> jobs;  // running first, then the queue in order
};

struct WorkerOptions {
  std::string device = "cpu";  // cpu | cuda | auto
  int threads = 0;             // 0: one less than the cores (the UI keeps one)
  bool device_frames = false;  // keep CUDA copies of every frame for GL interop
  size_t trajectory_budget_bytes = size_t(256) << 20;  // images kept per chains run (run_cost.h)
};

class Worker {
 public:
  explicit Worker(WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // weights: "auto" (EMA weights beside the checkpoint when present), "raw" or "ema" (weights_pick.h).
  void load_model(const std::string& path, const std::string& weights = "auto");
  // Cancels a running sample (within one step) and starts this one.
  void sample(const SamplerSettings& settings);
  // One chain started from z (H·W·C) with chain `chain`'s noise under settings.seed.
  void sample_from_z(const SamplerSettings& settings, std::vector<float> z, int chain);
  void interpolate(const InterpRequest& request, bool live);
  void reconstruct(const ReconRequest& request);
  void cancel_reconstruction();
  // Cancels one job of the job list: dropped if queued, stopped within one network evaluation
  // if running. False if no such job is pending.
  bool cancel(uint64_t job_id);
  void cancel_all();
  // Reads a PNG/JPEG/NPY and conforms it to the model's shape (published as `image`).
  void load_image(const std::string& path);
  void export_chains(const ExportRequest& request);
  void set_threads(int threads);
  // Moves the model to "cpu" or "cuda" (an error if CUDA is not available in this build).
  void set_device(const std::string& device);

  Published published() const;
  bool idle() const;  // nothing running or queued

  // For a job that does not come back (a TorchScript forward that never returns cannot see the
  // cancel flag): stops taking jobs and detaches both threads, so the object must then be
  // leaked, never destroyed (the stuck thread still uses it). The caller starts a new Worker.
  void abandon();

  // Tests only: runs `body` as a job of the model kind (it may block to stand in for a stuck
  // module; it receives the cancel flag).
  void post_for_test(std::string label, std::function<void(const std::atomic<bool>&)> body);

 private:
  enum class Kind { kLoad, kSample, kInterpLive, kInterpStrip, kRecon, kExport, kThreads, kBand, kImage, kDevice };
  struct Job {
    Kind kind;
    std::function<void(const std::atomic<bool>& cancel)> run;
    std::string label;
    uint64_t id = 0;
  };
  static const char* job_name(Kind kind);
  static const char* job_unit(Kind kind);
  void post(Kind kind, std::string label, std::function<void(const std::atomic<bool>&)> run);
  // Called by the running job (worker thread): `done` of `total` units finished.
  void progress(int64_t done, int64_t total);
  void loop();
  void io_loop();
  void stop_threads();  // stop both threads' loops and the running job (the destructor, abandon())
  void fail(const std::string& what, const std::string& job = "");
  // (worker thread) A VAE or GAN checkpoint: the loaded model becomes that generator.
  void load_baseline(const std::string& path);
  // (worker thread) Publishes a newly loaded model; every result of the previous one goes.
  void publish_model(std::shared_ptr<ModelInfo> info);
  void notify(const std::string& what);

  // Worker-thread-only state (torch types hidden in the .cpp).
  struct Torch;
  std::unique_ptr<Torch> torch_;
  WorkerOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stop_ = false;
  Kind running_kind_ = Kind::kLoad;
  bool running_ = false;
  std::shared_ptr<std::atomic<bool>> running_cancel_;
  uint64_t running_id_ = 0;
  std::string running_label_;
  std::chrono::steady_clock::time_point running_since_;
  int64_t running_done_ = 0, running_total_ = 0;
  double seconds_per_unit_[16] = {};  // last measured rate per Kind (0: none yet)
  // Image reads run on their own thread: they need no model weights, so they never wait
  // behind a long chains run.
  std::deque<Job> io_queue_;
  bool io_running_ = false;
  std::string io_label_;
  uint64_t io_id_ = 0;
  std::thread io_thread_;
  Published pub_;
  uint64_t next_id_ = 1;
  std::thread thread_;
};

}  // namespace shortrun::explorer

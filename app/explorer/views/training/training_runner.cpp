// TrainingRunner: load the data once, run core's Trainer until done, paused or stopped, and on
// Resume reopen the run from its checkpoint (Trainer::resume, as the CLI's --resume does).
#include "views/training/training_runner.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "shortrun/base/error.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/model_paths.h"
#include "shortrun/training/lr_schedule.h"
#include "shortrun/training/presets.h"
#include "shortrun/training/trainer.h"

namespace shortrun::explorer {

namespace {

// The shortest decimal that reads back as the same double.
std::string number(double v) {
  char buf[40];
  for (int digits : {6, 10, 17}) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// Single quotes when a shell would split or expand the word.
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") == std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

TrainerConfig config_of(const TrainingRequest& r) {
  TrainerConfig c;
  // The preset first; every field below is an explicit flag and wins, as on the command line.
  if (!r.preset.empty()) apply_training_preset(find_training_preset(r.preset), c);
  c.init = r.init;
  c.buffer = r.buffer;
  c.reinit = r.reinit;
  c.ema = r.ema;
  c.long_run_every = r.long_run_every;
  c.long_run_steps = r.long_run_steps;
  c.long_run_chains = r.long_run_chains;
  c.data = r.data;
  c.limit = r.limit;
  c.arch.nf = r.nf;
  c.sampler.steps = r.steps;
  c.sampler.step_size = r.step_size;
  c.sampler.noise_std = r.noise;
  c.iters = r.iters;
  c.batch = r.batch;
  c.lr = r.lr;
  c.lr_schedule = LrSchedule::parse(r.lr_schedule);
  c.seed = r.seed;
  c.log_every = r.log_every;
  c.sample_every = r.sample_every;
  c.checkpoint_every = r.checkpoint_every;
  c.eval_every = r.eval_every;
  c.eval_n = r.eval_n;
  if (c.eval_every > 0) {
    // As the CLI: the bundled feature net evaluates 1×32×32 Fashion-MNIST runs.
    if (c.data == "fashion-mnist") c.eval_features = find_asset("fmnist_features.safetensors");
    if (c.eval_features.empty())
      throw Error("evaluation (eval every " + std::to_string(c.eval_every) +
                  ") needs the bundled Fashion-MNIST feature net; set eval every to 0 for this data");
  }
  c.validate();
  return c;
}

}  // namespace

std::string TrainingRequest::cli_command() const {
  std::string s = "shortrun train" + (preset.empty() ? std::string() : " --preset " + shell_word(preset)) + " --data " + shell_word(data);
  if (limit > 0) s += " --limit " + std::to_string(limit);
  s += " --out " + shell_word(out) + " --iters " + std::to_string(iters) + " --steps " + std::to_string(steps) +
       " --step-size " + number(step_size) + " --noise " + number(noise) + " --nf " + std::to_string(nf) + " --lr " + number(lr);
  if (lr_schedule != "constant") s += " --lr-schedule " + shell_word(lr_schedule);
  s += " --batch " + std::to_string(batch) + " --log-every " + std::to_string(log_every) + " --sample-every " +
       std::to_string(sample_every) + " --checkpoint-every " + std::to_string(checkpoint_every) + " --eval-every " +
       std::to_string(eval_every);
  if (eval_every > 0) s += " --eval-n " + std::to_string(eval_n);
  s += " --init " + init;
  if (init == "persistent") s += " --buffer " + std::to_string(buffer) + " --reinit " + number(reinit);
  s += " --ema " + number(ema);
  if (long_run_every > 0)
    s += " --long-run-every " + std::to_string(long_run_every) + " --long-run-steps " + std::to_string(long_run_steps) +
         " --long-run-chains " + std::to_string(long_run_chains);
  s += " --seed " + std::to_string(seed);
  return s;
}

const char* training_state_name(TrainingState s) {
  switch (s) {
    case TrainingState::kIdle: return "idle";
    case TrainingState::kStarting: return "starting";
    case TrainingState::kRunning: return "running";
    case TrainingState::kPausing: return "pausing";
    case TrainingState::kPaused: return "paused";
    case TrainingState::kStopping: return "stopping";
    case TrainingState::kStopped: return "stopped";
    case TrainingState::kDone: return "done";
    case TrainingState::kFailed: return "failed";
  }
  return "?";
}

TrainingRunner::~TrainingRunner() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void TrainingRunner::set(TrainingState s, const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  status_.state = s;
  if (!message.empty()) status_.message = message;
}

TrainingStatus TrainingRunner::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

bool TrainingRunner::active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const TrainingState s = status_.state;
  return s == TrainingState::kStarting || s == TrainingState::kRunning || s == TrainingState::kPausing ||
         s == TrainingState::kPaused || s == TrainingState::kStopping;
}

std::string TrainingRunner::start(const TrainingRequest& request) {
  if (active()) return "a run is already going (" + status().out_dir + "): stop it first";
  try {
    config_of(request);  // bad settings answer here, before a thread or a directory exists
  } catch (const std::exception& e) {
    return e.what();
  }
  if (thread_.joinable()) thread_.join();  // the previous run's thread has finished
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = TrainingStatus{};
    status_.state = TrainingState::kStarting;
    status_.out_dir = request.out;
    status_.iters = request.iters;
    status_.message = "loading " + request.data;
    want_pause_ = want_resume_ = want_stop_ = false;
  }
  interrupt_ = false;
  last_ = request;
  thread_ = std::thread([this, request] { body(request, false); });
  return "";
}

void TrainingRunner::pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_.state != TrainingState::kRunning && status_.state != TrainingState::kStarting) return;
  want_pause_ = true;
  interrupt_ = true;
  status_.state = TrainingState::kPausing;
}

void TrainingRunner::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_.state == TrainingState::kPaused) {
      want_resume_ = true;
      wake_.notify_all();
      return;
    }
    if (status_.state != TrainingState::kStopped) return;
  }
  // A stopped run: a fresh thread reopens it (the data is read again, with the same --limit).
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.state = TrainingState::kStarting;
    want_pause_ = want_resume_ = want_stop_ = false;
  }
  interrupt_ = false;
  thread_ = std::thread([this] { body(last_, true); });
}

void TrainingRunner::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  const TrainingState s = status_.state;
  if (s != TrainingState::kStarting && s != TrainingState::kRunning && s != TrainingState::kPausing && s != TrainingState::kPaused)
    return;
  want_stop_ = true;
  interrupt_ = true;
  status_.state = TrainingState::kStopping;
  wake_.notify_all();
}

void TrainingRunner::body(TrainingRequest request, bool reopen) {
  try {
    const torch::Device device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
    std::unique_ptr<Trainer> trainer;
    TrainerConfig config;
    if (reopen) {
      trainer = std::make_unique<Trainer>(Trainer::resume(request.out, device));
      config = trainer->config();
    } else {
      config = config_of(request);
    }
    DataOptions d;
    d.image_size = config.arch.image_size;
    d.limit = config.limit;  // kept in the run's config.json: a reopened run trains on the same images
    const Dataset data = load_dataset(config.data, d);
    if (!trainer) trainer = std::make_unique<Trainer>(config, request.out, device);
    const auto on_log = [this](const TrainProgress& p) {
      std::lock_guard<std::mutex> lock(mutex_);
      status_.iteration = p.iteration;
      status_.iters = p.iters;
      if (p.event.empty()) {
        status_.its_per_s = p.its_per_s;
        status_.eta_s = p.eta_s;
      } else if (p.event == "eval") {
        status_.message = "eval at iteration " + std::to_string(p.iteration) + ": FD " + number(p.fd) + (p.message.empty() ? "" : " " + p.message);
      } else {
        status_.message = p.event + ": " + p.message;
      }
    };
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (want_stop_) break;
        if (!want_pause_) status_.state = TrainingState::kRunning;  // a pause asked while loading stays "pausing"
        status_.iteration = trainer->iteration();
        status_.iters = trainer->config().iters;
        status_.message = "training " + trainer->config().arch.summary() + " on " + data.description;
      }
      trainer->run(data, &interrupt_, on_log);
      const int64_t done = trainer->iteration(), total = trainer->config().iters;
      trainer.reset();  // releases the run directory's lock
      std::unique_lock<std::mutex> lock(mutex_);
      status_.iteration = done;
      if (done >= total || (!want_pause_ && !want_stop_)) {  // finished (a pause or stop came too late)
        status_.state = TrainingState::kDone;
        status_.eta_s = 0;
        status_.message = "done: " + std::to_string(done) + " iterations -> " + request.out + "/model.safetensors";
        return;
      }
      if (want_stop_) break;
      status_.state = TrainingState::kPaused;
      status_.its_per_s = 0;  // a paused run has no rate and no ETA (issue 23, 13); Resume measures again
      status_.eta_s = -1;
      status_.message = "paused at iteration " + std::to_string(done) + " (checkpoint saved)";
      wake_.wait(lock, [this] { return want_resume_ || want_stop_; });
      if (want_stop_) break;
      want_pause_ = want_resume_ = false;
      interrupt_ = false;
      lock.unlock();
      trainer = std::make_unique<Trainer>(Trainer::resume(request.out, device));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    status_.state = TrainingState::kStopped;
    status_.eta_s = 0;
    status_.message = "stopped at iteration " + std::to_string(status_.iteration) + "; resumable (shortrun train --resume " +
                      shell_word(request.out) + ")";
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.state = TrainingState::kFailed;
    status_.message = std::string("training failed: ") + e.what();
  }
}

}  // namespace shortrun::explorer

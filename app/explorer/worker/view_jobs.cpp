// The views' torch thread (see view_jobs.h): a queue of view jobs, a stop flag per job, progress
// with a time left from the measured rate, and a cache of the models the views read.
#include "worker/view_jobs.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <torch/torch.h>

#include "shortrun/base/error.h"
#include "shortrun/base/runtime.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/generators/generator_file.h"
#include "shortrun/model/model_loader.h"
#include "worker/job_loop.h"

namespace shortrun::explorer {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A cached model is read again when its file changed (a training run rewrites `latest`).
std::string model_key(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto time = std::filesystem::last_write_time(path, ec);
  return path + "|" + std::to_string(ec ? 0 : size) + "|" + std::to_string(ec ? 0 : time.time_since_epoch().count());
}
}  // namespace

void ViewJob::progress(int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(owner_.mutex_);
  owner_.done_ = done;
  owner_.total_ = total;
}

EnergyModel& ViewJob::model(const std::string& path) {
  const std::string key = model_key(path);
  auto& cache = owner_.models_;
  const auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  if (cache.size() >= 4) cache.clear();  // views compare two models at most; keep memory bounded
  auto model = load_energy_model(path, parse_device(owner_.device_));
  EnergyModel& ref = *model;
  cache[key] = std::move(model);
  return ref;
}

std::shared_ptr<Generator> ViewJob::generator(const std::string& path) {
  const std::string key = model_key(path);
  auto& cache = owner_.generators_;
  const auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() >= 4) cache.clear();  // a job holds its own shared copies: memory stays bounded
  std::shared_ptr<Generator> g = open_generator(path, parse_device(owner_.device_));
  cache[key] = g;
  return g;
}

const std::string& ViewJob::device() const { return owner_.device_; }

ViewJobs::ViewJobs(std::string device, int threads) : device_(std::move(device)), threads_(threads) {
  thread_ = std::thread([this] { loop(); });
}

ViewJobs::~ViewJobs() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    queue_.clear();
    cancel_.store(true);
  }
  wake_.notify_all();
  thread_.join();
}

uint64_t ViewJobs::post(std::string kind, std::string label, std::string unit, std::function<void(ViewJob&)> body,
                        bool supersede) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (supersede) {
      queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [&](const Job& j) { return j.kind == kind; }),
                   queue_.end());
      if (running_ && current_.kind == kind) cancel_.store(true);
    }
    id = next_id_++;
    queue_.push_back(Job{id, std::move(kind), std::move(label), std::move(unit), std::move(body)});
  }
  wake_.notify_all();
  return id;
}

bool ViewJobs::cancel(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Job& j) { return j.id == id; });
  if (it != queue_.end()) {
    queue_.erase(it);
    return true;
  }
  if (running_ && current_.id == id) {
    cancel_.store(true);
    return true;
  }
  return false;
}

void ViewJobs::cancel_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
  if (running_) cancel_.store(true);
}

void ViewJobs::forget_models() {
  post("models", "forgetting cached models", "", [this](ViewJob&) {
    models_.clear();
    generators_.clear();
  }, false);
}

std::vector<JobStatus> ViewJobs::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<JobStatus> out;
  const auto status = [](const Job& j, const char* state) {
    JobStatus s;
    s.id = j.id;
    s.kind = j.kind;
    s.label = j.label;
    s.state = state;
    s.unit = j.unit;
    return s;
  };
  if (running_) {
    JobStatus s = status(current_, cancel_.load() ? "cancelling" : "running");
    s.done = done_;
    s.total = total_;
    s.elapsed_s = seconds_since(since_);
    const auto rate = seconds_per_unit_.find(current_.kind);
    const double per_unit = s.done > 0 ? s.elapsed_s / double(s.done) : rate == seconds_per_unit_.end() ? 0.0 : rate->second;
    if (per_unit > 0 && s.total > 0)
      s.eta_s = std::max(0.0, per_unit * double(s.total - s.done) - (s.done > 0 ? 0.0 : s.elapsed_s));
    out.push_back(s);
  }
  for (const Job& j : queue_) out.push_back(status(j, "queued"));
  return out;
}

bool ViewJobs::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !running_ && queue_.empty();
}

std::pair<std::string, uint64_t> ViewJobs::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {error_, error_version_};
}

void ViewJobs::loop() {
  // As the worker: one thread fewer than the cores (the UI keeps one). OpenMP's thread count is
  // per calling thread, so it is set here.
  const int threads = threads_ > 0 ? threads_ : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  shortrun::set_threads(threads);
  run_job_loop(
      mutex_, wake_, stop_, queue_,
      [&](Job& job) {
        current_ = job;
        running_ = true;
        cancel_.store(false);
        done_ = total_ = 0;
        since_ = Clock::now();
      },
      [&](Job& job) {
        ViewJob view_job(*this, cancel_);
        job.body(view_job);
      },
      [&](Job&, const char* what) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = what;
        ++error_version_;
      },
      [&](Job& job) {
        if (done_ > 0 && !cancel_.load()) seconds_per_unit_[job.kind] = seconds_since(since_) / double(done_);
        running_ = false;
        current_.body = nullptr;  // release what the job captured
        job.body = nullptr;
      });
}

}  // namespace shortrun::explorer

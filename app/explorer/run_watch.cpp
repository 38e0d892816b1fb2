// RunWatch: the follow loop (RunFollower + RunCurves), the anatomy arrays RunCurves leaves out,
// events turned into markers and messages, and the newest sample grid read with stb_image.
#include "run_watch.h"

#include <stb_image.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {

double number_or_nan(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; }

// The file's size and modification time as a key: a grid rewritten in place reads again.
std::string file_key(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return "";
  const auto mtime = fs::last_write_time(path, ec);
  if (ec) return "";
  return path + "|" + std::to_string(size) + "|" + std::to_string(mtime.time_since_epoch().count());
}

// Reads a PNG as floats in [0, 1]; null when it is not (yet) a complete image.
std::shared_ptr<const SampleGrid> read_grid(const std::string& path) {
  int w = 0, h = 0, c = 0;
  stbi_uc* pixels = stbi_load(path.c_str(), &w, &h, &c, 0);
  if (!pixels) return nullptr;
  auto grid = std::make_shared<SampleGrid>();
  grid->path = path;
  grid->width = w;
  grid->height = h;
  // Gray+alpha and RGBA keep their colour channels only (the grid is opaque).
  grid->channels = c <= 2 ? 1 : 3;
  grid->pixels.resize(size_t(w) * size_t(h) * size_t(grid->channels));
  for (size_t p = 0; p < size_t(w) * size_t(h); ++p)
    for (int k = 0; k < grid->channels; ++k) grid->pixels[p * size_t(grid->channels) + size_t(k)] = float(pixels[p * size_t(c) + size_t(k)]) / 255.0f;
  stbi_image_free(pixels);
  return grid;
}

}  // namespace

RunWatch::RunWatch(std::string run_dir) : dir_(std::move(run_dir)) {
  work_.dir = dir_;
  published_ = std::make_shared<const RunSnapshot>(work_);
  thread_ = std::thread([this] { loop(); });
}

RunWatch::~RunWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const RunSnapshot> RunWatch::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return published_;
}

void RunWatch::note(const std::string& line) {
  if (!work_.messages.empty() && work_.messages.back() == line) return;
  work_.messages.push_back(line);
  if (work_.messages.size() > kMaxMessages) work_.messages.erase(work_.messages.begin());
}

void RunWatch::loop() {
  RunFollower follower(dir_);
  while (true) {
    const bool changed = poll_once(follower);
    std::unique_lock<std::mutex> lock(mutex_);
    if (changed) {
      ++work_.version;
      published_ = std::make_shared<const RunSnapshot>(work_);
    }
    polls_.store(work_.polls);  // after publishing: a waiter that sees the count sees the snapshot
    if (wake_.wait_for(lock, std::chrono::milliseconds(kPollMs), [this] { return stop_; })) return;
  }
}

bool RunWatch::poll_once(RunFollower& follower) {
  bool changed = false;
  ++work_.polls;
  // A long file arrives in bounded pieces; a few per round keep up with any trainer.
  for (int round = 0; round < 8; ++round) {
    const RunUpdate u = follower.poll();
    if (!u.message.empty()) note(u.message);
    if (u.missing != work_.missing) {
      work_.missing = u.missing;
      changed = true;
    }
    if (u.restarted) {
      // The trainer rewrote the file (a resume or a rollback trims it): rebuild everything.
      work_.grad_k.clear();
      work_.step_profiles.clear();
      work_.last_iteration = 0;
      last_regular_ = 0;
      ++work_.restarts;
      changed = true;
    }
    if (u.bad_lines > 0) {
      work_.bad_lines += u.bad_lines;
      note(std::to_string(u.bad_lines) + " line(s) of metrics.jsonl are not JSON objects; skipped");
      changed = true;
    }
    work_.curves.apply(u);
    for (const nlohmann::json& j : u.records) {
      const double it = number_or_nan(j.value("iteration", nlohmann::json()));
      if (std::isfinite(it)) work_.last_iteration = std::max(work_.last_iteration, int64_t(it));
      const std::string event = j.value("event", "");
      if (event == "rollback")
        note("watchdog rollback to iteration " + std::to_string(int64_t(it)) + ": " + j.value("reason", std::string("?")));
      else if (event == "warning")
        note("trainer warning: " + j.value("message", std::string("?")));
      if (!event.empty()) continue;
      if (std::isfinite(it) && it > last_regular_) log_interval_ = int64_t(it - last_regular_), last_regular_ = it;
      const auto gk = j.find("grad_norm_k");
      if (gk != j.end() && gk->is_array() && gk->size() == 3)
        work_.grad_k.push_back({it, {number_or_nan((*gk)[0]), number_or_nan((*gk)[1]), number_or_nan((*gk)[2])}});
      const auto prof = j.find("step_norm_profile");
      if (prof != j.end() && prof->is_array() && !prof->empty()) {
        std::vector<double> v;
        for (const auto& e : *prof) v.push_back(number_or_nan(e));
        work_.step_profiles.emplace_back(it, std::move(v));
      }
    }
    work_.records += int64_t(u.records.size());
    changed |= !u.records.empty() || !u.message.empty();
    if (!u.more) break;
  }
  work_.bytes_read = follower.bytes_read();
  if (changed) {
    // Markers from the event lines (rebuilt: a restart drops them with the curves).
    work_.fd.clear();
    work_.rollbacks.clear();
    for (const nlohmann::json& e : work_.curves.events) {
      const std::string event = e.value("event", "");
      const double it = number_or_nan(e.value("iteration", nlohmann::json()));
      if (event == "eval") work_.fd.emplace_back(it, number_or_nan(e.value("fd", nlohmann::json())));
      if (event == "rollback") work_.rollbacks.push_back(it);
    }
  }

  std::vector<CheckpointInfo> checkpoints = follower.checkpoints();
  const auto same = [](const CheckpointInfo& a, const CheckpointInfo& b) {
    return a.path == b.path && a.bytes == b.bytes && a.mtime_ns == b.mtime_ns;
  };
  if (!std::equal(checkpoints.begin(), checkpoints.end(), work_.checkpoints.begin(), work_.checkpoints.end(), same)) {
    work_.checkpoints = std::move(checkpoints);
    changed = true;
  }

  // Not beyond the run's logged progress (plus one logging interval: a grid may be written a
  // little before its line): grids left by a rolled-back stretch are not the run's now.
  const std::string grid = follower.latest_sample_grid(work_.last_iteration + log_interval_);
  const std::string key = grid.empty() ? "" : file_key(grid);
  if (grid.empty() && work_.grid && !work_.missing) {
    work_.grid.reset();  // the only grids left are of a rolled-back stretch (or were removed)
    changed = true;
  }
  const bool have = work_.grid && work_.grid->path == grid;
  if (!key.empty() && !have && key != grid_failed_) {
    if (auto g = read_grid(grid)) {
      work_.grid = std::move(g);
      grid_failed_.clear();
      changed = true;
    } else {
      // Most likely still being written: read it again once it changes (the last good one stays).
      grid_failed_ = key;
      note(grid + ": not a readable PNG (yet); keeping the previous grid");
      changed = true;
    }
  }
  return changed;
}

}  // namespace shortrun::explorer

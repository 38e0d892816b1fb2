// RunWatch: the follow loop (RunFollower + RunCurves), the anatomy arrays RunCurves leaves out,
// events turned into markers and messages, the run's settings (run_settings.h), and the newest
// sample grid read with core's bounded image reader (a run directory is a file like any other:
// its PNG may be hostile).
#include "views/run_data/run_watch.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "shortrun/io/file_checks.h"
#include "shortrun/io/image_io.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxProfileBins = 256;  // bins of k kept of one step-length profile

double number_or_nan(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; }
double number_field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? NAN : number_or_nan(*it);
}
// A string field, clipped for a one-line message ("" when absent, `other` when not a string).
std::string text_field(const nlohmann::json& j, const char* key, const char* other = "?") {
  const auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? clip(it->get<std::string>(), 200) : other;
}

// The file's size and modification time as a key: a grid rewritten in place reads again.
std::string file_key(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return "";
  const auto mtime = fs::last_write_time(path, ec);
  if (ec) return "";
  return path + "|" + std::to_string(size) + "|" + std::to_string(mtime.time_since_epoch().count());
}

// Reads a PNG as floats in [0, 1]; null when it is not (yet) a complete image, or not one within
// the readers' limits (SHORTRUN_MAX_IMAGE_PIXELS).
std::shared_ptr<const SampleGrid> read_grid(const std::string& path) {
  torch::Tensor chw;
  try {
    chw = read_image(path);
  } catch (const std::exception&) {
    return nullptr;
  }
  // Gray+alpha and RGBA keep their colour channels only (the grid is opaque).
  const int64_t c = chw.size(0) <= 2 ? 1 : 3;
  const torch::Tensor hwc = chw.narrow(0, 0, c).add(1.0).div(2.0).clamp(0.0, 1.0).permute({1, 2, 0}).contiguous();
  auto grid = std::make_shared<SampleGrid>();
  grid->path = path;
  grid->height = int(hwc.size(0));
  grid->width = int(hwc.size(1));
  grid->channels = int(c);
  grid->pixels.assign(hwc.data_ptr<float>(), hwc.data_ptr<float>() + hwc.numel());
  return grid;
}

}  // namespace

RunWatch::RunWatch(std::string run_dir, bool read_grids) : dir_(std::move(run_dir)), read_grids_(read_grids) {
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
      work_.fd.clear();
      work_.rollbacks.clear();
      work_.rollback_count = 0;
      work_.long_run.clear();
      work_.buffer.clear();
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
    if (u.long_lines > 0) {
      work_.long_lines += u.long_lines;
      changed = true;
    }
    work_.curves.apply(u);
    int64_t rollbacks = 0;
    std::string last_rollback;
    for (const nlohmann::json& j : u.records) {
      const double it = number_field(j, "iteration");
      if (std::isfinite(it)) work_.last_iteration = std::max(work_.last_iteration, int64_t(std::clamp(it, -9e18, 9e18)));
      const bool is_event = j.contains("event");
      const std::string event = text_field(j, "event");
      if (event == "rollback") {
        ++rollbacks;
        ++work_.rollback_count;
        work_.rollbacks.push(it);
        last_rollback = "watchdog rollback to iteration " + std::to_string(std::isfinite(it) ? int64_t(std::clamp(it, -9e18, 9e18)) : -1) +
                        ": " + text_field(j, "reason");
      } else if (event == "warning") {
        note("trainer warning: " + text_field(j, "message"));
      } else if (event == "eval") {
        work_.fd.push({it, number_field(j, "fd")});
      } else if (const auto lr = parse_long_run(j)) {
        work_.long_run.push(*lr);
      }
      if (is_event) continue;
      if (const auto b = parse_buffer_stats(j)) work_.buffer.push(*b);
      if (std::isfinite(it) && it > last_regular_) log_interval_ = int64_t(std::min(it - last_regular_, 1e9)), last_regular_ = it;
      const auto gk = j.find("grad_norm_k");
      if (gk != j.end() && gk->is_array() && gk->size() == 3)
        work_.grad_k.push({it, {number_or_nan((*gk)[0]), number_or_nan((*gk)[1]), number_or_nan((*gk)[2])}});
      const auto prof = j.find("step_norm_profile");
      if (prof != j.end() && prof->is_array() && !prof->empty()) {
        std::vector<double> v;
        for (size_t b = 0; b < std::min<size_t>(prof->size(), kMaxProfileBins); ++b) v.push_back(number_or_nan((*prof)[b]));
        work_.step_profiles.push({it, std::move(v)});
      }
    }
    // One message per round, however many rollbacks it read (a file may hold thousands).
    if (rollbacks == 1) note(last_rollback);
    else if (rollbacks > 1) note(std::to_string(rollbacks) + " watchdog rollbacks; the last: " + last_rollback);
    work_.records += int64_t(u.records.size());
    changed |= !u.records.empty() || !u.message.empty();
    if (!u.more) break;
  }
  // Progress through a long stretch that yields no line (an over-long line) is news too.
  changed |= follower.bytes_read() != work_.bytes_read;
  work_.bytes_read = follower.bytes_read();

  // The settings files are small and bounded; read again only when one of them changes.
  if (const std::string key = run_settings_key(dir_); key != settings_key_) {
    settings_key_ = key;
    work_.settings = std::make_shared<const RunSettings>(read_run_settings(dir_));
    changed = true;
  }

  std::vector<CheckpointInfo> checkpoints = follower.checkpoints();
  const auto same = [](const CheckpointInfo& a, const CheckpointInfo& b) {
    return a.path == b.path && a.bytes == b.bytes && a.mtime_ns == b.mtime_ns;
  };
  if (!std::equal(checkpoints.begin(), checkpoints.end(), work_.checkpoints.begin(), work_.checkpoints.end(), same)) {
    work_.checkpoints = std::move(checkpoints);
    changed = true;
  }

  if (!read_grids_) return changed;
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
      note(printable(grid) + ": not a readable PNG (yet); keeping the previous grid");
      changed = true;
    }
  }
  return changed;
}

}  // namespace shortrun::explorer

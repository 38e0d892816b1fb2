// Follows a run directory for the Training and Runs tabs on a thread of its own (a run is followed for
// hours, so it does not take turns with the views' torch jobs): about twice a second it tails
// metrics.jsonl through core's RunFollower (never re-reading the whole file), lists the
// checkpoints, reads the newest sample grid PNG and the run's settings, and publishes all of it as one immutable
// snapshot. What it finds on disk (a half-written line, a checkpoint renamed away, the whole
// directory deleted) becomes a message in the snapshot, never an exception. What it keeps is
// bounded (RunCurves' and Decimated's caps), so a run of a million lines costs what a short one does.
#pragma once
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shortrun/io/run_follower.h"
#include "views/run_data/run_health.h"
#include "views/run_data/run_settings.h"

namespace shortrun::explorer {

// A sample grid read from samples/iter_NNNNNN.png: NHWC floats in [0, 1].
struct SampleGrid {
  std::string path;
  int width = 0, height = 0, channels = 0;
  std::vector<float> pixels;
};

struct RunSnapshot {
  std::string dir;
  uint64_t version = 0;           // grows with every published change
  RunCurves curves;               // scalar series of the regular lines (f_data, gap, lr, ...) and the event lines
  // Anatomy diagnostics (arrays, which RunCurves leaves out): (iteration, ‖∇f‖ at k = 0, K/2, K)
  // and (iteration, mean ‖x_{k+1} − x_k‖ per bin of k). Every list here is bounded (Decimated),
  // however many lines the file holds: a snapshot is copied on every change.
  static constexpr size_t kMaxPoints = 2048, kMaxProfiles = 64, kMaxMarkers = 512;
  Decimated<std::pair<double, std::array<double, 3>>> grad_k{kMaxPoints};
  Decimated<std::pair<double, std::vector<double>>> step_profiles{kMaxProfiles};
  Decimated<std::pair<double, double>> fd{kMaxPoints};  // evaluation events: (iteration, FD)
  Decimated<double> rollbacks{kMaxMarkers};             // iterations the watchdog rolled back to
  int64_t rollback_count = 0;                           // all rollback lines (rollbacks keeps a thinned few)
  Decimated<LongRunPoint> long_run{kMaxPoints};         // long_run events (--long-run-every)
  Decimated<BufferStats> buffer{kMaxPoints};            // a persistent run's "buffer" statistics per logged line
  std::vector<CheckpointInfo> checkpoints;     // newest first
  std::shared_ptr<const SampleGrid> grid;      // the newest readable sample grid (null: none yet)
  std::shared_ptr<const RunSettings> settings;  // config.json / settings.json / card (null: not looked yet)
  std::vector<std::string> messages;           // what happened, oldest first (the last few)
  bool missing = false;                        // metrics.jsonl (or the directory) is not there now
  int64_t last_iteration = 0;                  // the highest iteration of any line
  int64_t records = 0, bad_lines = 0, long_lines = 0, restarts = 0, bytes_read = 0, polls = 0;
};

class RunWatch {
 public:
  static constexpr int kPollMs = 500;
  static constexpr size_t kMaxMessages = 8;
  // read_grids: also read the newest sample grid (the Training tab shows it; the Runs tab does not).
  explicit RunWatch(std::string run_dir, bool read_grids = true);
  ~RunWatch();  // stops and joins the thread (a poll is bounded, so this is short)
  RunWatch(const RunWatch&) = delete;
  RunWatch& operator=(const RunWatch&) = delete;

  const std::string& dir() const { return dir_; }
  // The newest snapshot (never null).
  std::shared_ptr<const RunSnapshot> snapshot() const;
  // Rounds finished (published or not: a round that finds nothing new publishes nothing).
  int64_t polls() const { return polls_.load(); }

 private:
  void loop();
  // One round: returns true when the working snapshot changed.
  bool poll_once(RunFollower& follower);
  void note(const std::string& line);

  std::string dir_;
  bool read_grids_ = true;
  std::atomic<int64_t> polls_{0};
  RunSnapshot work_;  // the watch thread's own copy
  double last_regular_ = 0;      // iteration of the last regular (non-event) line
  int64_t log_interval_ = 1000;  // between the last two regular lines (generous until known)
  std::string settings_key_ = "never";  // run_settings_key() when the settings were last read
  std::string grid_failed_;  // a grid file (path + mtime) that did not read: tried again only when it changes
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::shared_ptr<const RunSnapshot> published_;
  std::thread thread_;
};

}  // namespace shortrun::explorer

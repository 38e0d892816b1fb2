// Follows a run directory while a trainer writes it, for a live view: tails metrics.jsonl
// incrementally (keeps its offset; a half-written last line waits for its newline), starts over
// cleanly when the file is truncated or replaced, says so in one line when the run directory
// disappears, and lists the checkpoints and the newest sample grid. Never throws on what it finds.
// Bounded: one poll reads at most max_bytes_per_poll, a line longer than
// SHORTRUN_MAX_METRICS_LINE_BYTES is skipped (never buffered whole), and RunCurves keeps at most
// a fixed number of series, points per series and events however long the file grows.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/io/decimated.h"

namespace shortrun {

struct RunUpdate {
  // Complete new lines of metrics.jsonl, parsed, in file order.
  std::vector<nlohmann::json> records;
  // The file was truncated or replaced (a resumed or rolled-back run rewrites it): drop what was
  // shown; `records` start again from the file's beginning.
  bool restarted = false;
  // metrics.jsonl (or the whole run directory) is not there now.
  bool missing = false;
  bool more = false;          // more bytes are waiting than one poll reads: poll again
  int64_t bad_lines = 0;      // complete lines that were not JSON objects (skipped)
  int64_t long_lines = 0;     // lines over the line-length limit (skipped unread)
  std::string message;        // one line for the user when something changed, else ""
};

struct CheckpointInfo {
  std::string name;  // file name, e.g. "latest.safetensors" (checkpoints/) or "model.safetensors" (the run's root)
  std::string path;
  int64_t bytes = 0;
  int64_t mtime_ns = 0;
};

class RunFollower {
 public:
  // max_bytes_per_poll bounds the work of one poll (the GUI's frame budget); max_line_bytes
  // (0: SHORTRUN_MAX_METRICS_LINE_BYTES) bounds what is buffered of one line.
  explicit RunFollower(std::string run_dir, int64_t max_bytes_per_poll = 1 << 20, int64_t max_line_bytes = 0);

  RunUpdate poll();
  // Newest first; files renamed or removed while listing are left out.
  std::vector<CheckpointInfo> checkpoints() const;
  // samples/iter_NNNNNN.png with the highest NNNNNN not above at_most; "" when there is none.
  // (A watchdog rollback leaves the grids of iterations that will run again: a follower passes
  // the last iteration it has seen.)
  std::string latest_sample_grid(int64_t at_most = INT64_MAX) const;

  const std::string& run_dir() const { return dir_; }
  int64_t offset() const { return offset_; }          // bytes of the current file consumed
  int64_t bytes_read() const { return bytes_read_; }  // all bytes read since construction
  int64_t max_line_bytes() const { return max_line_; }
  size_t buffered() const { return pending_.size(); }  // bytes of an incomplete line held (<= max_line_bytes)

 private:
  void reset();
  void take_line(const char* p, size_t n, RunUpdate& u);
  std::string dir_;
  int64_t max_bytes_, max_line_;
  std::string limit_note_;  // a bad SHORTRUN_MAX_METRICS_LINE_BYTES, said once
  int64_t offset_ = 0, bytes_read_ = 0;
  uint64_t dev_ = 0, ino_ = 0;
  bool attached_ = false;
  std::string missing_reason_;  // why metrics.jsonl was missing at the last poll ("" : it was there)
  bool skipping_ = false;  // inside an over-long line: bytes are dropped up to its newline
  std::string pending_;   // an incomplete last line (at most max_line_ bytes)
  std::string tail_;      // the last bytes before offset_: a file replaced in place no longer has them
};

// The numbers of regular metrics lines as series (key -> (iteration, value)) and the event lines,
// rebuilt from the start when an update says `restarted`. Plain data for plotting, bounded:
// at most kMaxSeries keys (later keys are counted, not kept), each series thinned to at most
// 2 * kMaxPoints points (Decimated), and the newest kMaxEvents event lines.
struct RunCurves {
  static constexpr size_t kMaxSeries = 64, kMaxPoints = 2048, kMaxEvents = 256;
  using Points = Decimated<std::pair<double, double>>;
  std::map<std::string, Points> series;
  std::vector<nlohmann::json> events;  // the newest kMaxEvents, oldest first
  int64_t event_count = 0;             // all event lines seen
  int64_t keys_dropped = 0;            // numbers under keys past the first kMaxSeries
  void apply(const RunUpdate& update);
};

}  // namespace shortrun

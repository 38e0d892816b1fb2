// Follows a run directory while a trainer writes it, for a live view: tails metrics.jsonl
// incrementally (keeps its offset; a half-written last line waits for its newline), starts over
// cleanly when the file is truncated or replaced, says so in one line when the run directory
// disappears, and lists the checkpoints and the newest sample grid. Never throws on what it finds.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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
  // max_bytes_per_poll bounds the work of one poll (the GUI's frame budget).
  explicit RunFollower(std::string run_dir, int64_t max_bytes_per_poll = 4 << 20);

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

 private:
  void reset();
  std::string dir_;
  int64_t max_bytes_;
  int64_t offset_ = 0, bytes_read_ = 0;
  uint64_t dev_ = 0, ino_ = 0;
  bool attached_ = false, was_missing_ = false;
  std::string pending_;   // an incomplete last line
  std::string tail_;      // the last bytes before offset_: a file replaced in place no longer has them
};

// The numbers of regular metrics lines as series (key -> (iteration, value)) and the event lines,
// rebuilt from the start when an update says `restarted`. Plain data for plotting.
struct RunCurves {
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  std::vector<nlohmann::json> events;
  void apply(const RunUpdate& update);
};

}  // namespace shortrun

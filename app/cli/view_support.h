// What the CLI's view commands (sample --continue-to, sweep, compare, score) share: Ctrl+C as a
// cancel flag, progress on stderr, the JSON report and the command line that reproduces a view.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_common.h"

namespace shortrun::cli {

// While alive, SIGINT and SIGTERM set a flag (the views stop between two Langevin steps) instead
// of killing the process; the previous handlers come back on destruction.
class Interrupt {
 public:
  Interrupt();
  ~Interrupt();
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;
  const std::atomic<bool>* flag() const;
  bool raised() const { return flag()->load(); }
};

// Exits 130 after saying on stderr that `what` was interrupted and nothing was written.
[[noreturn]] void exit_interrupted(const std::string& what);

// progress(done, total) on stderr: redrawn in place on a terminal (at most 10 times a second),
// a plain line every 5 s otherwise. finish() ends the line.
class StderrProgress {
 public:
  explicit StderrProgress(std::string label);
  void operator()(int64_t done, int64_t total);
  void finish();

 private:
  std::string label_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// The flags of a command line that are not about the view itself: --device (unless auto),
// --threads (unless 0), --trust-code, --input-shape.
std::string runtime_flags(const RuntimeOptions& rt, const ModelOptions& mo);

// The JSON report of a view (pretty-printed, written atomically; "-" is stdout).
void write_json_report(const std::string& path, const nlohmann::json& j);

// The default report path next to a PNG: OUT.json, or "" when OUT is "" or "-".
std::string json_next_to(const std::string& png);

}  // namespace shortrun::cli

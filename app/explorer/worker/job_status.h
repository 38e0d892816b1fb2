// JobStatus: one entry of the job list the UI shows (what the job is, where it stands, when it
// will end). Its own header so the words for it (jobs_text) need not know the worker.
#pragma once
#include <cstdint>
#include <string>

namespace shortrun::explorer {

struct JobStatus {
  uint64_t id = 0;
  std::string kind;         // model | sample | interpolation | reconstruction | export | image | ...
  std::string label;        // "sampling 16 chains", ...
  std::string state;        // queued | running | cancelling
  int64_t done = 0, total = 0;  // progress in `unit`s (total 0: unknown)
  std::string unit;         // step | iteration | point | frame
  double elapsed_s = 0;     // running time so far
  double eta_s = -1;        // seconds left from the measured rate (-1: not known yet)
};

// A stop lands within one network evaluation; a job still cancelling after this long is stuck.
constexpr double kStuckAfterSeconds = 5.0;

}  // namespace shortrun::explorer

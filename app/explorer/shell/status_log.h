// What the status bar says: the last message, every error shown this session (state dumps), and
// which worker job the error on show belongs to, so that the job's next success clears it; and
// the frame statistics it shows (and state dumps report).
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "worker/snapshots.h"
#include "worker/worker.h"

namespace shortrun::explorer {

class StatusLog {
 public:
  void say(const std::string& line) { message = line; }
  void error(const std::string& line) { errors.push_back(line), message = line; }
  bool showing_error() const { return !errors.empty() && message == errors.back(); }
  // An error of a worker job (sample, reconstruction, interpolation, model, device).
  void job_error(const Published& pub, const std::string& job, const std::string& line);
  // When that kind of job has since succeeded, the red line goes ("run 7 done").
  void clear_superseded(const Published& pub);

  std::string message;
  std::vector<std::string> errors;

 private:
  std::string error_job_;      // the worker job whose error is shown ("" none)
  uint64_t error_result_ = 0;  // that job's newest result when it failed
};

struct FrameStats {
  std::deque<double> frame_ms;          // recent frame times
  std::deque<double> build_ms, draw_ms; // of which: building the UI (+ uploads), GL drawing + swap
  std::vector<double> sampling_ms;      // frame times while the worker was sampling chains
  uint64_t frames = 0;
  double first_image_s = -1;            // start-up to the first chain image on screen
  double mean_fps(const std::deque<double>& ms) const;
  // One frame: its time, and how it was spent (`sampling`: the worker sampled chains meanwhile).
  void add(double ms, double build_ms, double draw_ms, bool sampling);
};

}  // namespace shortrun::explorer

// StatusLog and FrameStats (status_log.h).
#include "shell/status_log.h"

#include <numeric>

namespace shortrun::explorer {

namespace {
// The id of the newest finished result of a worker job kind (0: none), to tell when a job that
// failed has since succeeded.
uint64_t newest_result(const Published& pub, const std::string& job) {
  if (job == "sample" && pub.chains && pub.chains->finished.load()) return pub.chains->id;
  if (job == "reconstruction" && pub.recon && pub.recon->finished.load()) return pub.recon->id;
  if (job == "interpolation" && pub.interp_strip) return pub.interp_strip->id;
  if ((job == "model" || job == "device") && pub.model) return pub.model->id;
  return 0;
}
}  // namespace

void StatusLog::job_error(const Published& pub, const std::string& job, const std::string& line) {
  error(line);
  error_job_ = job;
  error_result_ = newest_result(pub, job);
}

// An error belongs to the action that caused it: when that kind of job has since succeeded, the
// status bar's red line goes (a later message has already replaced it otherwise).
void StatusLog::clear_superseded(const Published& pub) {
  if (error_job_.empty()) return;
  if (!showing_error()) {
    error_job_.clear();
    return;
  }
  const uint64_t now = newest_result(pub, error_job_);
  if (now != 0 && now != error_result_) {
    say(error_job_ == "sample" ? "run " + std::to_string(now) + " done" : error_job_ + " done");
    error_job_.clear();
  }
}

double FrameStats::mean_fps(const std::deque<double>& ms) const {
  if (ms.empty()) return 0;
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / double(ms.size());
  return mean > 0 ? 1000.0 / mean : 0;
}

void FrameStats::add(double ms, double build, double draw, bool sampling) {
  ++frames;
  build_ms.push_back(build);
  draw_ms.push_back(draw);
  if (build_ms.size() > 240) build_ms.pop_front(), draw_ms.pop_front();
  frame_ms.push_back(ms);
  if (frame_ms.size() > 240) frame_ms.pop_front();
  if (sampling && frames > 2) sampling_ms.push_back(ms);
}

}  // namespace shortrun::explorer

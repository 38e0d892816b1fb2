// Words for the job list (see jobs_text.h).
#include "worker/jobs_text.h"

#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

std::string count_of(long long n, const std::string& singular, const std::string& plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural.empty() ? singular + "s" : plural);
}

std::string ordinal(long long n) {
  const long long tens = (n < 0 ? -n : n) % 100, ones = tens % 10;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th" : ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  char buf[48];
  if (seconds < 1) return "<1 s";
  const long long s = static_cast<long long>(std::llround(seconds));
  if (s < 60) std::snprintf(buf, sizeof(buf), "%lld s", s);
  else if (s < 3600) std::snprintf(buf, sizeof(buf), "%lld min %02lld s", s / 60, s % 60);
  else std::snprintf(buf, sizeof(buf), "%lld h %02lld min", s / 3600, (s % 3600) / 60);
  return buf;
}

std::string job_progress_text(const JobStatus& j) {
  if (j.state == "queued") return "";
  std::string s;
  if (j.total > 0 && !j.unit.empty()) {
    s = j.unit + " " + std::to_string(j.done) + "/" + std::to_string(j.total);
    s += j.state == "paused" ? " \xc2\xb7 paused"
         : j.eta_s >= 0     ? " \xc2\xb7 " + format_duration(j.eta_s) + " left"
                            : " \xc2\xb7 measuring rate";
  } else {
    s = format_duration(j.elapsed_s);
  }
  return s;
}

// One line for the status bar: the running job and how many wait behind it.
std::string jobs_status_line(const std::vector<JobStatus>& jobs) {
  if (jobs.empty()) return "idle";
  const JobStatus& j = jobs.front();
  std::string s = j.label;
  if (j.state == "cancelling") s += " (cancelling)";
  const std::string p = job_progress_text(j);
  if (!p.empty()) s += ": " + p;
  if (jobs.size() > 1) s += "   +" + std::to_string(jobs.size() - 1) + " queued";
  return s;
}

std::string divergence_note(const ChainRun& run) {
  const int dead = run.diverged.load(), first = run.first_divergence.load();
  if (dead <= 0 || first < 0) return "";
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%d of %d chain%s diverged (non-finite) from step %d", dead, run.shape.n,
                run.shape.n == 1 ? "" : "s", first);
  return buf;
}

}  // namespace shortrun::explorer

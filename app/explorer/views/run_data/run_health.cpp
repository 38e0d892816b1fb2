// parse_long_run and parse_buffer_stats (run_health.h): the trainer's field names read back;
// anything missing or of another type is NaN, never an exception.
#include "views/run_data/run_health.h"

namespace shortrun::explorer {

namespace {
double num(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}
}  // namespace

std::optional<LongRunPoint> parse_long_run(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  const auto ev = j.find("event");
  if (ev == j.end() || !ev->is_string() || ev->get<std::string>() != "long_run") return std::nullopt;
  LongRunPoint p;
  p.iteration = num(j, "iteration");
  if (!std::isfinite(p.iteration)) return std::nullopt;
  p.k = num(j, "k");
  p.k2 = num(j, "k2");
  p.chains = num(j, "chains");
  p.energy_short = num(j, "energy_short");
  p.energy_long = num(j, "energy_long");
  p.drift = num(j, "drift");
  p.drift_p10 = num(j, "drift_p10");
  p.drift_p90 = num(j, "drift_p90");
  p.saturated_short = num(j, "saturated_short");
  p.saturated_long = num(j, "saturated_long");
  p.fd_short = num(j, "fd_short");
  p.fd_long = num(j, "fd_long");
  p.seconds = num(j, "seconds");
  return p;
}

std::optional<BufferStats> parse_buffer_stats(const nlohmann::json& j) {
  if (!j.is_object() || j.contains("event")) return std::nullopt;
  const auto b = j.find("buffer");
  if (b == j.end() || !b->is_object()) return std::nullopt;
  BufferStats s;
  s.iteration = num(j, "iteration");
  if (!std::isfinite(s.iteration)) return std::nullopt;
  s.mean_age = num(*b, "mean_age");
  s.max_age = num(*b, "max_age");
  s.reinit = num(*b, "reinit");
  s.reinit_total = num(*b, "reinit_total");
  return s;
}

}  // namespace shortrun::explorer

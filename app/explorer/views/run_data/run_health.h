// The long-run health and replay-buffer lines of a run's metrics.jsonl, parsed for the Training
// tab: `{"event":"long_run", ...}` (a few chains continued from K to K2 steps every
// --long-run-every iterations) and the `"buffer": {...}` object of a persistent run's lines.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace shortrun::explorer {

// One long_run event. Fields absent or not numbers are NaN (fd_short / fd_long are null when
// the trainer had no feature net for them).
struct LongRunPoint {
  double iteration = NAN;
  double k = NAN, k2 = NAN, chains = NAN;
  double energy_short = NAN, energy_long = NAN;        // mean f(x_K), f(x_K2)
  double drift = NAN, drift_p10 = NAN, drift_p90 = NAN;  // f(x_K2) - f(x_K): mean and its 10th/90th percentiles
  double saturated_short = NAN, saturated_long = NAN;  // fraction of pixels with |x| >= 0.99
  double fd_short = NAN, fd_long = NAN;
  double seconds = NAN;
};
// nullopt unless the line is a long_run event with a finite iteration.
std::optional<LongRunPoint> parse_long_run(const nlohmann::json& line);

// A persistent run's buffer statistics of one logged line.
struct BufferStats {
  double iteration = NAN;
  double mean_age = NAN, max_age = NAN;
  double reinit = NAN;        // chains re-initialised at that iteration
  double reinit_total = NAN;  // since the run began
};
// nullopt unless the line is a regular (non-event) line with a finite iteration and a "buffer" object.
std::optional<BufferStats> parse_buffer_stats(const nlohmann::json& line);

}  // namespace shortrun::explorer

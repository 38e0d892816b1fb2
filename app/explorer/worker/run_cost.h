// What a chains run will cost before it starts: seconds from the last measured rate, bytes of
// the kept trajectory (bounded by keeping every s-th image), and when to ask before running.
#pragma once
#include <cstddef>
#include <string>

#include "worker/snapshots.h"

namespace shortrun::explorer {

struct RunCost {
  double seconds = -1;   // -1: no measured rate yet
  double bytes = 0;      // kept images + per-step statistics
  int stride = 1;        // images kept every `stride` steps (and the last)
  int kept_images = 0;   // steps whose images are kept
};

// Keeps at most `budget_bytes` of images: the smallest stride that fits (1 = every step).
int trajectory_stride(int steps, size_t image_bytes_per_step, size_t budget_bytes);

// `chain_steps_per_s`: the last measured rate of this model (0: unknown).
RunCost estimate_run_cost(const SamplerSettings& s, const ImageShape& image, double chain_steps_per_s,
                          size_t budget_bytes);

// Above these a run waits for the user's yes (the job list still shows it was asked for).
constexpr double kAskAboveSeconds = 10.0;
constexpr double kAskAboveBytes = 1024.0 * 1024.0 * 1024.0;
bool needs_confirmation(const RunCost& cost);

// "about 42 s and 310 MB; keeping every 4th image (2,501 of 10,001)".
std::string describe_cost(const RunCost& cost, int steps);

// Default bound on the kept images of one run.
constexpr size_t kTrajectoryBudgetBytes = size_t(256) << 20;

}  // namespace shortrun::explorer

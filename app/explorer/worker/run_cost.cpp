// Run cost estimates and the trajectory bound (see run_cost.h).
#include "worker/run_cost.h"

#include <algorithm>
#include <cstdio>

#include "worker/jobs_text.h"

namespace shortrun::explorer {

int trajectory_stride(int steps, size_t image_bytes_per_step, size_t budget_bytes) {
  if (steps <= 0 || image_bytes_per_step == 0) return 1;
  const size_t fit = std::max<size_t>(2, budget_bytes / image_bytes_per_step);  // always x_0 and x_K
  const size_t total = size_t(steps) + 1;
  if (total <= fit) return 1;
  // Images at 0, s, 2s, ... plus K: ceil(K / s) + 1 <= fit.
  const size_t stride = (size_t(steps) + (fit - 1) - 1) / (fit - 1);
  return int(std::min<size_t>(stride, size_t(steps)));
}

RunCost estimate_run_cost(const SamplerSettings& s, const ImageShape& image, double chain_steps_per_s,
                          size_t budget_bytes) {
  RunCost c;
  const int steps = std::max(0, s.steps);
  const size_t n = size_t(std::max(1, s.chains));
  const size_t image_bytes = n * image.image_floats() * sizeof(float);
  c.stride = trajectory_stride(steps, image_bytes, budget_bytes);
  c.kept_images = steps / c.stride + 1 + (steps % c.stride ? 1 : 0);
  // Per step: f, |grad f|, |dx| (floats) and alive (a byte) per chain, plus five vector headers.
  const double per_step_stats = double(n) * (3 * sizeof(float) + 1) + 5 * sizeof(std::vector<float>);
  c.bytes = double(c.kept_images) * double(image_bytes) + double(steps + 1) * per_step_stats;
  if (chain_steps_per_s > 0) c.seconds = double(steps) * double(n) / chain_steps_per_s;
  return c;
}

bool needs_confirmation(const RunCost& cost) {
  return cost.seconds > kAskAboveSeconds || cost.bytes > kAskAboveBytes;
}

std::string describe_cost(const RunCost& cost, int steps) {
  char buf[200];
  const double mb = cost.bytes / (1024.0 * 1024.0);
  const std::string time = cost.seconds >= 0 ? "about " + format_duration(cost.seconds) : "unknown time (no rate measured yet)";
  if (cost.stride > 1)
    std::snprintf(buf, sizeof(buf), "%s and %.0f MB; keeping every %s image (%d of %d)", time.c_str(), mb,
                  ordinal(cost.stride).c_str(), cost.kept_images, steps + 1);
  else
    std::snprintf(buf, sizeof(buf), "%s and %.0f MB; every step's image kept", time.c_str(), mb);
  return buf;
}

}  // namespace shortrun::explorer

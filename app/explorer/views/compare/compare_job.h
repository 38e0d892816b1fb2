// The A/B compare view's torch side (compare_job.cpp, in shortrun_explorer_worker): core's
// compare_runs on two models, or one model under two sampler settings, from the same z and u_k;
// keeps both sides' trajectories (bounded) for the one timeline that scrubs both, and writes the
// export with the same core calls `shortrun compare` makes. The UI sees only AbResult.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/model/sampler_config.h"
#include "worker/snapshots.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ViewJobs;

struct AbRequest {
  std::string model_a;            // the loaded model
  std::string model_b;            // "": model A (compare sampler settings)
  SamplerSettings sampler_a;      // the sidebar's
  bool b_own_sampler = false;     // model B's stored K, step size and noise (its card), not the fields below
  int steps_b = 50;               // B's K, step size and noise (its seed and init are A's)
  float step_size_b = 1.0f, noise_b = 0.01f;
  int chains = 16;
  float diff_range = 0.5f;        // |x_B - x_A| at full colour
  int max_frames = 101;           // of each side's trajectory, K included
};

struct AbSide {
  SamplerConfig sampler;                   // as run
  std::vector<int> frame_steps;            // 0 .. K
  std::vector<std::vector<float>> frames;  // [T][N·H·W·C]
  std::vector<float> energy_mean, grad_norm_mean;  // [K+1]
  int frozen = 0;                          // chains that turned NaN/Inf
  // The frame shown at timeline step t (a side with a smaller K holds its x_K).
  int frame_at(int t) const {
    int f = 0;
    for (size_t i = 0; i < frame_steps.size(); ++i)
      if (frame_steps[i] <= t) f = int(i);
    return f;
  }
};

struct AbResult {
  AbRequest request;
  nlohmann::json settings;   // core's CompareConfig as JSON
  ImageShape shape;          // n = chains
  AbSide a, b;
  std::vector<float> rms;    // per chain: RMS of x_B - x_A at the end
  float rms_mean = 0, max_abs = 0;
  double seconds = 0;
  std::shared_ptr<const void> core;  // the tensors the export draws from (torch side)
};

// Posts the comparison (kind "compare"; a newer one stops the running one).
uint64_t post_compare(ViewJobs& jobs, const AbRequest& request, std::shared_ptr<ViewResultSlot<AbResult>> slot);

// The `shortrun compare` command that writes `png` as the export does.
std::string ab_command(const AbResult& r, const std::string& png);

// Writes png (core's compare_image: grid A | grid B | difference) and png.json.
uint64_t post_compare_export(ViewJobs& jobs, std::shared_ptr<const AbResult> r, const std::string& png,
                             std::shared_ptr<ViewResultSlot<ExportOutcome>> slot);

}  // namespace shortrun::explorer

// A/B compare: two models, or one model under two sampler settings, run from the same z and
// the same u_k (B's seed and init distribution are A's; the noise is addressed by (seed, chain,
// step), so a different K or step size still sees the same u_k at each step). Result: both
// grids, their per-pixel difference, and f/‖∇f‖ curves of both.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/analysis/view_common.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

struct CompareConfig {
  SamplerConfig a, b;        // b.seed and b.init are overridden by a's (see sampler_b())
  int64_t chains = 16;       // chains 0..chains-1
  double diff_range = 0.5;   // |x_B − x_A| at which the difference view is at full colour
  SamplerConfig sampler_b() const;  // b with a's seed and init
  void validate() const;     // throws shortrun::Error
};
void to_json(nlohmann::json& j, const CompareConfig& c);
void from_json(const nlohmann::json& j, CompareConfig& c);

struct CompareSide {
  torch::Tensor x;      // x_K [N,C,H,W] float32 CPU
  torch::Tensor alive;  // bool [N]
  ChainCurves curves;   // steps 0..K of this side
};

struct CompareResult {
  CompareSide a, b;
  torch::Tensor diff;   // x_B − x_A [N,C,H,W]
  bool cancelled = false;
};

// Sees every step of side 0 (A), then of side 1 (B), e.g. to keep their trajectories.
using CompareObserver = std::function<void(int side, const StepInfo& step)>;

// model_b may be the same object as model_a. progress(chain-steps done, total).
CompareResult compare_runs(EnergyModel& model_a, EnergyModel& model_b, const CompareConfig& config,
                           const ViewProgress& progress = nullptr, const std::atomic<bool>* cancel = nullptr,
                           const CompareObserver& observer = nullptr);

// The PNG of the view: grid A | grid B | difference (colour map of difference_colormap), RGB.
torch::Tensor compare_image(const CompareResult& r, const CompareConfig& config, int64_t cols);

// Per chain: RMS of x_B − x_A over pixels, float64 [N].
torch::Tensor compare_rms(const CompareResult& r);

// Grid columns when none are given: ceil(sqrt(n)).
int64_t compare_default_cols(int64_t n);

// The `shortrun compare` line that writes the view's PNG and report; runtime flags (--device,
// --threads) are the caller's to add.
struct CompareCommand {
  std::string model_a;   // resolved path
  std::string model_b;   // resolved path; "" when B is model A (compare sampler settings)
  CompareConfig config;
  int64_t cols = 0;      // 0: the default (no --cols)
  std::string out_png, json;  // json "": no --json (the CLI writes OUT.json)
};
std::string compare_command(const CompareCommand& c);
// The -b flags that set side B's sampler (its seed and init are A's).
std::string sampler_flags_b(const SamplerConfig& b);

}  // namespace shortrun

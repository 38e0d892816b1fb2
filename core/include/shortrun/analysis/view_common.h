// Shared pieces of the analysis views (long run, contact sheet, A/B compare, OOD probe): the
// progress type, per-step curves of a chain, the saturated-pixel measure, image composition
// and the command lines that reproduce a view.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/model/sampler_config.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

// progress(done, total), in the view's own units (chain-steps, images); called on the thread
// that runs the view, between Langevin steps.
using ViewProgress = std::function<void(int64_t done, int64_t total)>;

// Per image of x [N,...]: the fraction of saturated values, float64 [N] on the CPU.
torch::Tensor saturated_fraction(const torch::Tensor& x);

// Per-step, per-chain curves of a run: row k is step k (0..steps), column n is chain n.
struct ChainCurves {
  torch::Tensor energy;     // f(x_k)        float64 [S,N]
  torch::Tensor grad_norm;  // ‖∇f(x_k)‖     float64 [S,N]
  torch::Tensor saturated;  // saturated fraction of x_k, float64 [S,N]
  torch::Tensor accepted;   // MALA only: 1/0 whether step k's proposal was accepted, float64 [S−1,N]
  int64_t steps() const { return energy.defined() ? energy.size(0) : 0; }  // rows recorded
  // {"step", "energy_mean", "grad_norm_mean", "saturated_mean", ["accept_mean"], and with
  // per_chain the same per chain: "energy": [[chain 0's curve], ...], ...}.
  nlohmann::json to_json(bool per_chain = true) const;
};

// Fills ChainCurves from a sampler's observer: pass record() as (part of) the StepObserver.
class CurveRecorder {
 public:
  CurveRecorder(int64_t steps, int64_t chains);  // room for steps 0..steps
  void record(const StepInfo& s);
  // The rows recorded so far (all of them after a complete run).
  ChainCurves curves() const;

 private:
  torch::Tensor energy_, grad_norm_, saturated_, accepted_;
  int64_t rows_ = 0;
  bool mala_ = false;
};

// [C,H,W] images in [-1,1] left to right, top-aligned, with `gap` columns of pad_value between
// them; gray images are made RGB when any of them has 3 channels.
torch::Tensor side_by_side(const std::vector<torch::Tensor>& images, int64_t gap = 8, double pad_value = 1.0);

// Signed difference d = b − a of images in [-1,1] as a diverging colour map, [N,3,H,W] in [-1,1]:
// white where d = 0, red where b is brighter, blue where darker, full colour at |d| >= range
// (channels averaged first).
torch::Tensor difference_colormap(const torch::Tensor& diff, double range);

// For command lines: 'text' in single quotes (safe for sh), and the shortest decimal that reads
// back as the same double.
std::string shell_quote(const std::string& text);
std::string format_number(double v);
// Flags that set every result-relevant field of c: --steps, --step-size, --noise, --seed,
// --init-dist, --chunk, --precision, --clamp/--no-clamp, and --mala --temperature when set.
std::string sampler_flags(const SamplerConfig& c);

}  // namespace shortrun

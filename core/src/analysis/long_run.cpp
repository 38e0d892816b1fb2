// run_long: one M-step run of the sampler observed at every step; K is just a step on the way.
#include "shortrun/analysis/long_run.h"

#include <cmath>
#include <limits>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/image_io.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

int64_t LongRunConfig::total_steps() const { return continue_to > 0 ? continue_to : multiple * sampler.steps; }

int64_t LongRunConfig::frame_stride() const {
  // The smallest stride giving at most max_frames frames (0, e, 2e, ... plus K and M); a
  // requested stride is kept when it gives no more.
  const int64_t m = std::max<int64_t>(1, total_steps());
  const int64_t bounded = max_frames < 3 ? m + 1 : m / (max_frames - 2) + 1;  // multiples of it: at most max_frames - 2
  return std::max(every, bounded);
}

void LongRunConfig::validate() const {
  sampler.validate();
  if (chains < 1 || chains > 65536) throw Error("long run: chains=" + std::to_string(chains) + "; expected 1..65536");
  if (multiple < 1 || multiple > 100000) throw Error("long run: multiple=" + std::to_string(multiple) + "; expected 1..100000");
  if (continue_to < 0) throw Error("long run: --continue-to must be >= 0");
  const int64_t m = total_steps();
  if (m < sampler.steps)
    throw Error("long run: --continue-to " + std::to_string(m) + " is below --steps " + std::to_string(sampler.steps) +
                "; expected M >= K");
  if (m > 100000) throw Error("long run: M=" + std::to_string(m) + " steps; expected at most 100000 (the sampler's limit)");
  if ((m + 1) > kMaxCurveValues / chains)
    throw Error("long run: (M+1) x chains = " + std::to_string(m + 1) + " x " + std::to_string(chains) +
                " exceeds the curve bound of " + std::to_string(kMaxCurveValues) + " values; use fewer chains or steps");
  if (every < 0) throw Error("long run: trajectory stride must be >= 0");
  if (max_frames != 0 && (max_frames < 3 || max_frames > 10000))
    throw Error("long run: max_frames must be 0 (no trajectory) or 3..10000");
}

void to_json(nlohmann::json& j, const LongRunConfig& c) {
  j = {{"sampler", c.sampler}, {"chains", c.chains},         {"continue_to", c.total_steps()},
       {"every", c.frame_stride()}, {"max_frames", c.max_frames}};
}

void from_json(const nlohmann::json& j, LongRunConfig& c) {
  if (!j.is_object()) throw Error("long-run settings are not a JSON object");
  if (j.contains("sampler")) c.sampler = j.at("sampler").get<SamplerConfig>();
  c.chains = json_get(j, "chains", c.chains);
  c.continue_to = json_get(j, "continue_to", c.continue_to);
  c.multiple = json_get(j, "multiple", c.multiple);
  c.every = json_get(j, "every", c.every);
  c.max_frames = json_get(j, "max_frames", c.max_frames);
  c.validate();
}

LongRunResult run_long(EnergyModel& model, const LongRunConfig& config, const std::optional<torch::Tensor>& init,
                       const ViewProgress& progress, const std::atomic<bool>* cancel, const StepObserver& observer) {
  config.validate();
  const int64_t n = config.chains, k_short = config.sampler.steps, m = config.total_steps();
  if (init && init->size(0) != n)
    throw Error("long run: " + std::to_string(init->size(0)) + " initial images for " + std::to_string(n) + " chains");
  SamplerConfig cfg = config.sampler;
  cfg.steps = m;
  const LangevinSampler sampler(model, cfg);

  LongRunResult r;
  r.short_steps = k_short;
  r.total_steps = m;
  const int64_t stride = config.frame_stride();
  for (int64_t k = 0; k <= m && config.max_frames > 0; ++k)
    if (k % stride == 0 || k == k_short || k == m) r.frame_steps.push_back(k);
  std::vector<torch::Tensor> frames;
  CurveRecorder curves(m, n);
  size_t next_frame = 0;
  const SampleResult res = sampler.run(chain_range(0, n, model.device()), init, [&](const StepInfo& s) {
    curves.record(s);
    if (s.step == k_short) r.x_short = s.x.detach().to(torch::kCPU, torch::kFloat32).clone();
    if (next_frame < r.frame_steps.size() && s.step == r.frame_steps[next_frame]) {
      frames.push_back(s.x.detach().to(torch::kCPU, torch::kFloat32).clone());
      ++next_frame;
    }
    if (observer) observer(s);
    if (progress) progress(s.step, m);
  }, cancel);
  r.cancelled = res.cancelled;
  r.steps_done = res.steps_done;
  r.x_long = res.x.detach().to(torch::kCPU, torch::kFloat32);
  r.alive = res.alive.to(torch::kCPU);
  r.frame_steps.resize(frames.size());
  if (!frames.empty()) r.frames = torch::stack(frames);
  r.curves = curves.curves();
  return r;
}

torch::Tensor long_run_image(const LongRunResult& r, int64_t cols) {
  if (!r.x_short.defined() || !r.x_long.defined()) throw Error("long run: nothing to draw (the run stopped before K)");
  return side_by_side({make_grid(r.x_short, cols), make_grid(r.x_long, cols)});
}

double ula_stationary_variance(double v, double s, double sigma) {
  if (!(v > 0) || !(s > 0) || s >= 2 * v) return std::numeric_limits<double>::infinity();
  return sigma * sigma * v * v / (s * (2 * v - s));
}

}  // namespace shortrun

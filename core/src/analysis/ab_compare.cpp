// compare_runs: side A, then side B, from the same chains (hence the same z and u_k).
#include "shortrun/analysis/ab_compare.h"

#include <cmath>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/image_io.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

SamplerConfig CompareConfig::sampler_b() const {
  SamplerConfig s = b;
  s.seed = a.seed;
  s.init = a.init;
  return s;
}

void CompareConfig::validate() const {
  a.validate();
  sampler_b().validate();
  if (chains < 1 || chains > 4096) throw Error("compare: chains=" + std::to_string(chains) + "; expected 1..4096");
  if (!std::isfinite(diff_range) || !(diff_range > 0)) throw Error("compare: the difference range must be a positive number");
  if ((std::max(a.steps, b.steps) + 1) * chains > 4000000) throw Error("compare: (K+1) x chains exceeds 4000000 curve values");
}

void to_json(nlohmann::json& j, const CompareConfig& c) {
  j = {{"a", c.a}, {"b", c.sampler_b()}, {"chains", c.chains}, {"diff_range", c.diff_range}};
}

void from_json(const nlohmann::json& j, CompareConfig& c) {
  if (!j.is_object()) throw Error("compare settings are not a JSON object");
  if (j.contains("a")) c.a = j.at("a").get<SamplerConfig>();
  if (j.contains("b")) c.b = j.at("b").get<SamplerConfig>();
  c.chains = json_get(j, "chains", c.chains);
  c.diff_range = json_get(j, "diff_range", c.diff_range);
  c.validate();
}

CompareResult compare_runs(EnergyModel& model_a, EnergyModel& model_b, const CompareConfig& config,
                           const ViewProgress& progress, const std::atomic<bool>* cancel,
                           const CompareObserver& observer) {
  config.validate();
  if (model_a.shape().chw() != model_b.shape().chw())
    throw Error("compare: model A takes " + model_a.shape().str() + " images, model B " + model_b.shape().str() +
                "; expected the same shape");
  const int64_t n = config.chains;
  const SamplerConfig sa = config.a, sb = config.sampler_b();
  const int64_t total = (sa.steps + sb.steps) * n;
  CompareResult r;
  const auto side = [&](EnergyModel& model, const SamplerConfig& s, int64_t done_before, CompareSide& out, int index) {
    const LangevinSampler sampler(model, s);
    CurveRecorder curves(s.steps, n);
    const SampleResult res = sampler.run(chain_range(0, n, model.device()), std::nullopt, [&](const StepInfo& info) {
      curves.record(info);
      if (observer) observer(index, info);
      if (progress) progress(done_before + info.step * n, total);
    }, cancel);
    out.x = res.x.detach().to(torch::kCPU, torch::kFloat32);
    out.alive = res.alive.to(torch::kCPU);
    out.curves = curves.curves();
    return !res.cancelled;
  };
  if (!side(model_a, sa, 0, r.a, 0) || !side(model_b, sb, sa.steps * n, r.b, 1)) {
    r.cancelled = true;
    return r;
  }
  r.diff = r.b.x - r.a.x;
  return r;
}

torch::Tensor compare_image(const CompareResult& r, const CompareConfig& config, int64_t cols) {
  if (!r.diff.defined()) throw Error("compare: nothing to draw (the run was cancelled)");
  return side_by_side({make_grid(r.a.x, cols), make_grid(r.b.x, cols),
                       make_grid(difference_colormap(r.diff, config.diff_range), cols)});
}

torch::Tensor compare_rms(const CompareResult& r) {
  return r.diff.to(torch::kFloat64).flatten(1).pow(2).mean(1).sqrt();
}

int64_t compare_default_cols(int64_t n) {
  return static_cast<int64_t>(std::ceil(std::sqrt(double(n))));
}

std::string sampler_flags_b(const SamplerConfig& b) {
  std::string s = " --steps-b " + std::to_string(b.steps) + " --step-size-b " + format_number(b.step_size) + " --noise-b " +
                  format_number(b.noise_std) + " --chunk-b " + std::to_string(b.chunk) + " --precision-b " + b.precision +
                  (b.clamp ? " --clamp-b" : " --no-clamp-b");
  if (b.mala) s += " --mala-b --temperature-b " + format_number(b.temperature);
  if (!b.cuda_graph) s += " --no-cuda-graph-b";
  return s;
}

std::string compare_command(const CompareCommand& c) {
  const CompareConfig& cc = c.config;
  std::string command = "shortrun compare --model " + shell_quote(c.model_a);
  if (!c.model_b.empty()) command += " --model-b " + shell_quote(c.model_b);
  command += " --n " + std::to_string(cc.chains) + " " + sampler_flags(cc.a) + sampler_flags_b(cc.sampler_b()) +
             " --diff-range " + format_number(cc.diff_range);
  if (c.cols > 0) command += " --cols " + std::to_string(c.cols);
  command += " --out " + shell_quote(c.out_png);
  if (!c.json.empty()) command += " --json " + shell_quote(c.json);
  return command;
}

}  // namespace shortrun

// long_run_health: one K2-step run of the sampler per piece of chains, observed at step K.
#include "shortrun/training/long_run_health.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "shortrun/base/error.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

double quantile_of(const torch::Tensor& v, double q) {
  const torch::Tensor d = v.to(torch::kCPU, torch::kFloat64).contiguous().reshape({-1});
  std::vector<double> xs;
  const double* p = d.data_ptr<double>();
  for (int64_t i = 0; i < d.numel(); ++i)
    if (std::isfinite(p[i])) xs.push_back(p[i]);
  if (xs.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(xs.begin(), xs.end());
  const double pos = std::clamp(q, 0.0, 1.0) * double(xs.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (pos - double(lo)) * (xs[hi] - xs[lo]);
}

namespace {
torch::Tensor energies(EnergyModel& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < x.size(0); i += kLongRunPiece)
    out.push_back(model.energy(x.narrow(0, i, std::min(kLongRunPiece, x.size(0) - i)).to(model.device()))
                      .to(torch::kCPU, torch::kFloat64).reshape({-1}));
  return torch::cat(out);
}
double saturated(const torch::Tensor& x) { return (x.abs() >= kSaturatedLevel).to(torch::kFloat64).mean().item<double>(); }
double finite_mean(const torch::Tensor& v) {
  const torch::Tensor ok = torch::isfinite(v);
  return ok.any().item<bool>() ? v.masked_select(ok).mean().item<double>() : std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

LongRunHealth long_run_health(EnergyModel& model, const SamplerConfig& sampler, int64_t first_chain, int64_t n, int64_t k2,
                              const std::function<void(int64_t, int64_t)>& progress, const std::atomic<bool>* cancel) {
  sampler.validate();
  const int64_t k = sampler.steps;
  if (n < 1) throw Error("long run: at least 1 chain expected, got " + std::to_string(n));
  if (first_chain < 0) throw Error("long run: chain indices start at 0");
  if (k2 <= k) throw Error("long run: K2 = " + std::to_string(k2) + " must exceed the short run's K = " + std::to_string(k));
  if (k2 > kMaxLongRunSteps) throw Error("long run: K2 = " + std::to_string(k2) + " exceeds " + std::to_string(kMaxLongRunSteps) + " steps");
  const auto t0 = std::chrono::steady_clock::now();
  SamplerConfig cfg = sampler;
  cfg.steps = k2;
  const LangevinSampler run(model, cfg);
  LongRunHealth h;
  h.k = k;
  h.k2 = k2;
  h.chains = n;
  std::vector<torch::Tensor> shorts, longs;
  const int64_t total = n * k2;
  int64_t done = 0;
  for (int64_t first = 0; first < n && !h.cancelled; first += kLongRunPiece) {
    const int64_t m = std::min(kLongRunPiece, n - first);
    torch::Tensor x_k;
    const SampleResult r = run.run(chain_range(first_chain + first, m, model.device()), std::nullopt, [&](const StepInfo& s) {
      if (s.step == k) x_k = s.x.detach().to(torch::kCPU, torch::kFloat32).clone();
      if (s.step > 0 && progress) progress(done + m * s.step, total);
    }, cancel);
    h.cancelled = r.cancelled;
    h.steps_done = r.steps_done;
    done += m * k2;
    if (h.cancelled) break;
    shorts.push_back(x_k);
    longs.push_back(r.x.detach().to(torch::kCPU, torch::kFloat32));
  }
  if (h.cancelled) {
    h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return h;
  }
  h.x_short = torch::cat(shorts);
  h.x_long = torch::cat(longs);
  h.energy_short = energies(model, h.x_short);
  h.energy_long = energies(model, h.x_long);
  const torch::Tensor drift = h.energy_long - h.energy_short;
  h.energy_short_mean = finite_mean(h.energy_short);
  h.energy_long_mean = finite_mean(h.energy_long);
  h.drift = finite_mean(drift);
  h.drift_p10 = quantile_of(drift, 0.1);
  h.drift_p90 = quantile_of(drift, 0.9);
  h.saturated_short = saturated(h.x_short);
  h.saturated_long = saturated(h.x_long);
  h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return h;
}

nlohmann::json to_json(const LongRunHealth& h) {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"k", h.k},
          {"k2", h.k2},
          {"chains", h.chains},
          {"energy_short", num(h.energy_short_mean)},
          {"energy_long", num(h.energy_long_mean)},
          {"drift", num(h.drift)},
          {"drift_p10", num(h.drift_p10)},
          {"drift_p90", num(h.drift_p90)},
          {"saturated_short", num(h.saturated_short)},
          {"saturated_long", num(h.saturated_long)},
          {"seconds", h.seconds}};
}

}  // namespace shortrun

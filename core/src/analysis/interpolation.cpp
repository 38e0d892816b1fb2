// Interpolation: all P×R points of all paths run as one batch of chains.
#include "shortrun/analysis/interpolation.h"

#include <cmath>
#include <map>

#include "shortrun/base/error.h"

namespace shortrun {

void InterpolationSpec::validate() const {
  if (path != "linear" && path != "spherical") throw Error("path '" + path + "' is unknown; expected linear or spherical");
  if (noise != "fixed" && noise != "mixed" && noise != "off")
    throw Error("interpolation noise '" + noise + "' is unknown; expected fixed, mixed or off");
  if (!rhos.empty()) {
    if (rhos.size() > 1000) throw Error("at most 1000 interpolation points");
    for (double r : rhos)
      if (!(r >= 0.0 && r <= 1.0)) throw Error("interpolation rho must be in [0, 1]");
  } else if (points < 2 || points > 1000) {
    throw Error("interpolation points must be in 2..1000");
  }
}

std::pair<double, double> path_weights(const std::string& path, double rho) {
  if (path == "linear") return {1.0 - rho, rho};
  return {std::sqrt(std::max(0.0, 1.0 - rho * rho)), rho};
}

namespace {
// The endpoints' z (or u_k) as [P,C,H,W]; one batched noise call per distinct seed.
torch::Tensor gather(const std::vector<Endpoint>& ends, const SamplerConfig& base, EnergyModel& model,
                     int64_t step, bool initial) {
  std::map<uint64_t, std::vector<int64_t>> by_seed;  // seed -> positions in `ends`
  for (size_t i = 0; i < ends.size(); ++i) by_seed[ends[i].seed].push_back(static_cast<int64_t>(i));
  torch::Tensor out;
  for (const auto& [seed, positions] : by_seed) {
    SamplerConfig c = base;
    c.seed = seed;
    const LangevinSampler s(model, c);
    std::vector<int64_t> chain_ids;
    for (int64_t i : positions) chain_ids.push_back(ends[i].chain);
    const torch::Tensor chains = torch::tensor(chain_ids, torch::kInt64);
    const torch::Tensor v = initial ? s.initial_state(chains) : s.langevin_noise(chains, step);
    if (by_seed.size() == 1) return v;
    if (!out.defined()) out = torch::empty({static_cast<int64_t>(ends.size()), v.size(1), v.size(2), v.size(3)}, v.options());
    out.index_copy_(0, torch::tensor(positions, torch::kInt64).to(v.device()), v);
  }
  return out;
}
}  // namespace

InterpolationResult interpolate(const LangevinSampler& sampler, const torch::Tensor& z1, const torch::Tensor& z2,
                                const NoiseFn& noise1, const NoiseFn& noise2, const InterpolationSpec& spec,
                                const std::atomic<bool>* cancel, const StepProgress& progress) {
  spec.validate();
  if (z1.sizes() != z2.sizes() || z1.dim() != 4 || z1.size(0) == 0)
    throw Error("interpolation needs two non-empty [P,C,H,W] endpoint batches of the same shape");
  const SamplerConfig& cfg = sampler.config();
  std::vector<double> rhos = spec.rhos;
  if (rhos.empty())
    for (int64_t r = 0; r < spec.points; ++r) rhos.push_back(double(r) / double(spec.points - 1));
  const int64_t P = z1.size(0), R = static_cast<int64_t>(rhos.size());
  const auto opts = z1.options();
  std::vector<double> wa, wb;
  for (double rho : rhos) {
    const auto [a, b] = path_weights(spec.path, rho);
    wa.push_back(a);
    wb.push_back(b);
  }
  const torch::Tensor a = torch::tensor(wa, torch::kFloat64).to(opts).view({1, R, 1, 1, 1});
  const torch::Tensor b = torch::tensor(wb, torch::kFloat64).to(opts).view({1, R, 1, 1, 1});
  // Points laid out pair-major: index p*R + r.
  const auto mix = [&](const torch::Tensor& t1, const torch::Tensor& t2) {
    return (a * t1.unsqueeze(1) + b * t2.unsqueeze(1)).flatten(0, 1);
  };
  const auto repeat = [&](const torch::Tensor& t) {
    return t.unsqueeze(1).expand({P, R, t.size(1), t.size(2), t.size(3)}).flatten(0, 1);
  };
  NoiseFn noise = nullptr;
  if (spec.noise == "fixed") noise = [&](int64_t k) { return repeat(noise1(k)); };
  if (spec.noise == "mixed") noise = [&](int64_t k) { return mix(noise1(k), noise2(k)); };
  torch::Tensor energy;
  const SampleResult res = sampler.run_from(mix(z1, z2), noise, [&](const StepInfo& s) {
    if (s.step == cfg.steps) energy = s.energy.clone();
    if (progress) progress(s.step, cfg.steps);
  }, cancel);
  if (res.cancelled) throw Error("interpolation cancelled");
  InterpolationResult out;
  out.rho = torch::tensor(rhos, torch::kFloat64);
  out.x = res.x.view({P, R, res.x.size(1), res.x.size(2), res.x.size(3)});
  out.energy = energy.view({P, R});
  return out;
}

InterpolationResult interpolate(const LangevinSampler& sampler, const std::vector<Endpoint>& e1,
                                const std::vector<Endpoint>& e2, const InterpolationSpec& spec,
                                const std::atomic<bool>* cancel, const StepProgress& progress) {
  if (e1.size() != e2.size() || e1.empty()) throw Error("interpolation needs the same, non-zero number of start and end points");
  EnergyModel& model = sampler.model();
  const SamplerConfig& cfg = sampler.config();
  return interpolate(sampler, gather(e1, cfg, model, 0, true), gather(e2, cfg, model, 0, true),
                     [&](int64_t k) { return gather(e1, cfg, model, k, false); },
                     [&](int64_t k) { return gather(e2, cfg, model, k, false); }, spec, cancel, progress);
}

}  // namespace shortrun

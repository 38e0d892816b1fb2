// The short-run EBM behind the Generator interface (ebm_generator.h): the sampler, today's
// interpolation (analysis/interpolation.h) and reconstruction (analysis/reconstruction.h).
#include "shortrun/generators/ebm_generator.h"

#include <cstdio>

#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

EbmGenerator::EbmGenerator(EnergyModel& model, SamplerConfig sampler) : model_(model), sampler_(std::move(sampler)) {}

EbmGenerator::EbmGenerator(std::unique_ptr<EnergyModel> model, SamplerConfig sampler)
    : owned_(std::move(model)), model_(*owned_), sampler_(std::move(sampler)) {}

SamplerConfig EbmGenerator::with_seed(uint64_t seed) const {
  SamplerConfig c = sampler_;
  c.seed = seed;
  return c;
}

std::string EbmGenerator::summary() const {
  char line[160];
  std::snprintf(line, sizeof line, "short-run EBM (K=%lld, step %g, noise %g, %s init), %s", static_cast<long long>(sampler_.steps),
                sampler_.step_size, sampler_.noise_std, sampler_.init.c_str(), model_.shape().str().c_str());
  return line;
}

torch::Tensor EbmGenerator::synthesize(uint64_t seed, const torch::Tensor& indices, const std::atomic<bool>* cancel) {
  const SampleResult r = LangevinSampler(model_, with_seed(seed)).run(indices.to(model_.device()), std::nullopt, nullptr, cancel);
  return r.cancelled ? torch::Tensor() : r.x;
}

InterpolationResult EbmGenerator::interpolate(const std::vector<Endpoint>& a, const std::vector<Endpoint>& b,
                                              const InterpolationSpec& spec, const std::atomic<bool>* cancel,
                                              const StepProgress& progress) {
  return shortrun::interpolate(LangevinSampler(model_, sampler_), a, b, spec, cancel, progress);
}

std::string EbmGenerator::interpolation_method(const InterpolationSpec& spec) const {
  const std::string noise = spec.noise == "mixed" ? "u_k mixed with the same weights"
                            : spec.noise == "off" ? "no noise"
                                                  : "endpoint A's u_k all along";
  return spec.path + " in z_0 (" + (spec.path == "linear" ? "(1-rho) z1 + rho z2" : "sqrt(1-rho^2) z1 + rho z2") + "), " + noise +
         ", then K Langevin steps";
}

GeneratorRecon EbmGenerator::reconstruct(const torch::Tensor& observed, const torch::Tensor& mask, const GeneratorReconOptions& o,
                                         const ReconstructCallback& on_iteration, const std::atomic<bool>* cancel) {
  const LangevinSampler chain(model_, with_seed(o.seed));
  ReconstructConfig rc;
  rc.iters = o.iters;
  rc.lr = o.lr;
  const Reconstructor rec(chain, rc);
  const ReconstructResult r =
      rec.run(observed.to(model_.device()), mask.defined() ? mask.to(model_.device()) : mask,
              chain_range(o.first_chain, observed.size(0), model_.device()), on_iteration, cancel);
  GeneratorRecon out;
  out.cancelled = r.cancelled;
  if (r.cancelled) return out;
  out.z = r.z;
  out.x = r.x;
  out.mse = r.mse;
  const torch::Tensor curve = r.curve.to(torch::kCPU, torch::kFloat64).mean(1).contiguous();
  out.curve.assign(curve.data_ptr<double>(), curve.data_ptr<double>() + curve.numel());
  return out;
}

}  // namespace shortrun

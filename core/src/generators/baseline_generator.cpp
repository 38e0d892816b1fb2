// A VAE or GAN behind the Generator interface (baseline_generator.h): z from Philox, the same
// path weights as the EBM's interpolation, fit_latent for reconstruction.
#include "shortrun/generators/baseline_generator.h"

#include "shortrun/base/error.h"
#include "shortrun/baselines/latent_fit.h"
#include "shortrun/sampling/noise.h"

namespace shortrun {

BaselineGenerator::BaselineGenerator(BaselineModel& model) : model_(model) { model_.train(false); }

BaselineGenerator::BaselineGenerator(std::unique_ptr<BaselineModel> model) : owned_(std::move(model)), model_(*owned_) {
  model_.train(false);
}

std::string BaselineGenerator::summary() const {
  return model_.kind_name() + " (" + model_.spec().summary() + ")";
}

DataShape BaselineGenerator::shape() const {
  const BaselineSpec& s = model_.spec();
  DataShape d;
  d.channels = s.channels;
  d.height = d.width = s.image_size;
  return d;
}

torch::Tensor BaselineGenerator::latents(uint64_t seed, const torch::Tensor& indices) const {
  return CounterNoise(seed).normal(indices.to(model_.device()), 0, NoiseStream::kMisc, {model_.spec().latent});
}

torch::Tensor BaselineGenerator::synthesize(uint64_t seed, const torch::Tensor& indices, const std::atomic<bool>* cancel) {
  torch::NoGradGuard no_grad;
  model_.train(false);
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < indices.size(0); first += 256) {  // bounded memory, a stop between pieces
    if (cancel && cancel->load()) return torch::Tensor();
    parts.push_back(model_.decode(latents(seed, indices.narrow(0, first, std::min<int64_t>(256, indices.size(0) - first)))));
  }
  if (parts.empty()) return model_.decode(latents(seed, indices));
  return parts.size() == 1 ? parts[0] : torch::cat(parts);
}

InterpolationResult BaselineGenerator::interpolate(const std::vector<Endpoint>& a, const std::vector<Endpoint>& b,
                                                   const InterpolationSpec& spec, const std::atomic<bool>* cancel,
                                                   const StepProgress& progress) {
  spec.validate();
  if (a.size() != b.size() || a.empty()) throw Error("interpolation needs the same, non-zero number of start and end points");
  const auto gather = [&](const std::vector<Endpoint>& e) {
    std::vector<torch::Tensor> z;
    for (const Endpoint& p : e) z.push_back(latents(p.seed, torch::tensor({p.chain}, torch::kInt64)));
    return torch::cat(z);  // [P, L]
  };
  return interpolate_latents(gather(a), gather(b), spec, cancel, progress);
}

InterpolationResult BaselineGenerator::interpolate_latents(const torch::Tensor& z1, const torch::Tensor& z2,
                                                           const InterpolationSpec& spec, const std::atomic<bool>* cancel,
                                                           const StepProgress& progress) {
  spec.validate();
  const int64_t L = model_.spec().latent;
  if (z1.dim() != 2 || z1.sizes() != z2.sizes() || z1.size(0) == 0 || z1.size(1) != L)
    throw Error("interpolation needs two latents of the same, non-zero count, each of " + std::to_string(L) + " dimensions");
  const std::vector<double> rhos = interpolation_rhos(spec);
  const int64_t P = z1.size(0), R = int64_t(rhos.size());
  std::vector<double> wa, wb;
  for (double rho : rhos) {
    const auto [x, y] = path_weights(spec.path, rho);
    wa.push_back(x);
    wb.push_back(y);
  }
  const auto opts = z1.options();
  const torch::Tensor ta = torch::tensor(wa, torch::kFloat64).to(opts).view({1, R, 1});
  const torch::Tensor tb = torch::tensor(wb, torch::kFloat64).to(opts).view({1, R, 1});
  const torch::Tensor z = (ta * z1.detach().to(opts).unsqueeze(1) + tb * z2.detach().to(opts).unsqueeze(1)).flatten(0, 1);
  if (cancel && cancel->load()) throw Error("interpolation cancelled");
  if (progress) progress(0, 1);
  torch::Tensor x;
  {
    torch::NoGradGuard no_grad;
    model_.train(false);
    x = model_.decode(z);
  }
  if (progress) progress(1, 1);
  InterpolationResult out;
  out.rho = torch::tensor(rhos, torch::kFloat64);
  out.x = x.view({P, R, x.size(1), x.size(2), x.size(3)});
  return out;
}

std::string BaselineGenerator::interpolation_method(const InterpolationSpec& spec) const {
  return spec.path + " in z (" + (spec.path == "linear" ? "(1-rho) z1 + rho z2" : "sqrt(1-rho^2) z1 + rho z2, z stays N(0, I)") +
         "), then the " + (model_.is_vae() ? "VAE's decoder" : "GAN's generator");
}

GeneratorRecon BaselineGenerator::reconstruct(const torch::Tensor& observed, const torch::Tensor& mask, const GeneratorReconOptions& o,
                                              const ReconstructCallback& on_iteration, const std::atomic<bool>* cancel) {
  LatentFitOptions lf;
  lf.iters = o.iters;
  lf.lr = o.lr;
  const LatentFitProgress progress = [&](int64_t step, const LatentFit& now) {
    if (on_iteration) {
      ReconstructIteration it;
      it.iteration = step;
      it.mse = now.mse;
      it.x = now.x;
      on_iteration(it);
    }
    return !(cancel && cancel->load());
  };
  LatentFit fit = fit_latent(model_, observed, mask, torch::Tensor(), lf, progress);
  GeneratorRecon out;
  out.cancelled = fit.stopped;
  if (out.cancelled) return out;
  out.z = fit.z;
  out.x = fit.x;
  out.mse = fit.mse;
  out.curve = std::move(fit.curve);
  return out;
}

}  // namespace shortrun

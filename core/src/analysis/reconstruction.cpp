// Reconstruction: a forward sweep storing the K states, a reverse sweep of Hessian-vector
// products (skipped for piecewise-linear nets), projected Adam on z.
#include "shortrun/analysis/reconstruction.h"

#include <sstream>

#include "shortrun/base/error.h"
#include "shortrun/sampling/langevin_update.h"
#include "shortrun/sampling/noise.h"
#include "shortrun/training/adam.h"

namespace shortrun {

void ReconstructConfig::validate() const {
  if (iters < 0 || iters > 1000000) throw Error("reconstruction iterations must be in 0..1000000");
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("reconstruction learning rate must be a positive number");
  if (hessian != "auto" && hessian != "always") throw Error("hessian mode '" + hessian + "' is unknown; expected auto or always");
}

Reconstructor::Reconstructor(const LangevinSampler& sampler, ReconstructConfig config)
    : sampler_(sampler), config_(std::move(config)) {
  config_.validate();
}

bool Reconstructor::skips_hessian() const {
  const auto& arch = sampler_.model().card().arch;
  return config_.hessian == "auto" && arch && arch->piecewise_linear();
}

void Reconstructor::check_inputs(const torch::Tensor& observed, const torch::Tensor& mask) const {
  const DataShape& s = sampler_.model().shape();
  std::ostringstream got;
  got << observed.sizes();
  if (observed.dim() != 4 || observed.size(1) != s.channels || observed.size(2) != s.height || observed.size(3) != s.width)
    throw Error("observed images are " + got.str() + "; expected [N," + std::to_string(s.channels) + "," +
                std::to_string(s.height) + "," + std::to_string(s.width) + "]");
  if (!torch::isfinite(observed).all().item<bool>()) throw Error("observed image contains NaN or Inf values");
  if (mask.defined()) {
    std::ostringstream m;
    m << mask.sizes();
    if (mask.dim() != 4 || mask.size(2) != s.height || mask.size(3) != s.width ||
        (mask.size(1) != 1 && mask.size(1) != s.channels) || (mask.size(0) != 1 && mask.size(0) != observed.size(0)))
      throw Error("mask is " + m.str() + "; expected [1 or N, 1 or C, " + std::to_string(s.height) + ", " +
                  std::to_string(s.width) + "] to match the images");
  }
}

torch::Tensor Reconstructor::loss_weights(const torch::Tensor& observed, const torch::Tensor& mask) const {
  check_inputs(observed, mask);
  torch::Tensor m = mask.defined() ? (mask.to(observed.device(), torch::kFloat32) > 0.5).to(observed.dtype())
                                   : torch::ones({1, 1, observed.size(2), observed.size(3)}, observed.options());
  m = m.expand_as(observed).contiguous();
  const torch::Tensor count = m.flatten(1).sum(1);
  if ((count == 0).any().item<bool>()) throw Error("mask observes no pixel of at least one image; nothing to reconstruct from");
  return m / count.view({-1, 1, 1, 1});
}

torch::Tensor Reconstructor::generate(const torch::Tensor& z, const NoiseFn& noise) const {
  return sampler_.run_from(z, noise).x;
}

Reconstructor::LossGrad Reconstructor::loss_and_grad(const torch::Tensor& z, const NoiseFn& noise,
                                                     const torch::Tensor& observed, const torch::Tensor& weights,
                                                     const std::atomic<bool>* cancel) const {
  const SamplerConfig& cfg = sampler_.config();
  const auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
  LossGrad stopped;
  stopped.cancelled = true;
  // Forward: the same fused update as LangevinSampler::run_from, keeping every state.
  std::vector<torch::Tensor> xs;
  xs.reserve(cfg.steps + 1);
  torch::Tensor x = z.detach().contiguous();
  torch::Tensor alive = torch::ones({x.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(x.device()));
  for (int64_t k = 0; k < cfg.steps; ++k) {
    if (cancelled()) return stopped;
    xs.push_back(x);
    torch::Tensor g = sampler_.energy_and_grad(x).second.to(x.scalar_type()).contiguous();
    torch::Tensor x_next = x.clone();
    langevin::StepParams p = sampler_.step_params();
    LangevinNoise nz;
    if (p.noisy && noise) nz.u = noise(k);
    if (nz.u.defined()) nz.u = nz.u.to(x.device(), x.scalar_type()).contiguous();
    else p.noisy = false;
    langevin_update(x_next, g, p, nz, alive, nullptr);
    x = x_next;
  }
  xs.push_back(x);
  const torch::Tensor residual = x - observed.to(x.dtype());
  const torch::Tensor loss = (weights * residual * residual).flatten(1).sum(1);
  torch::Tensor lam = 2.0 * weights * residual;  // ∂L/∂x_K
  // Reverse sweep: λ_k = (I + s·H(x_k)) λ_{k+1}, masked where a clamp was active.
  const bool skip = skips_hessian();
  for (int64_t k = cfg.steps - 1; k >= 0; --k) {
    if (cfg.clamp) lam = lam * (xs[k + 1].abs() < 1.0).to(lam.dtype());
    if (skip || cfg.step_size == 0) continue;
    if (cancelled()) return stopped;
    torch::AutoGradMode grad_on(true);
    torch::Tensor xk = xs[k].detach().requires_grad_(true);
    torch::Tensor f = sampler_.model().energy(xk);
    torch::Tensor g = torch::autograd::grad({f.sum()}, {xk}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    torch::Tensor hv = torch::autograd::grad({g}, {xk}, {lam}, /*retain_graph=*/false, /*create_graph=*/false)[0];
    lam = lam + cfg.step_size * hv;
  }
  return {loss.detach(), lam.detach(), x};
}

ReconstructResult Reconstructor::run(const torch::Tensor& observed_in, const torch::Tensor& mask, const torch::Tensor& z0,
                                     const NoiseFn& noise, const ReconstructCallback& on_iteration,
                                     const std::atomic<bool>* cancel) const {
  const torch::Device device = sampler_.model().device();
  const torch::Tensor observed = observed_in.to(device, z0.scalar_type());
  const torch::Tensor weights = loss_weights(observed, mask);
  const bool bounded = sampler_.config().init == "uniform";
  torch::Tensor z = z0.detach().to(device).clone().requires_grad_(true);
  Adam adam({z}, AdamOptions{config_.lr, 0.9, 0.999, 1e-8});
  std::vector<torch::Tensor> curve;
  ReconstructResult result;
  for (int64_t it = 0; it < config_.iters; ++it) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    const LossGrad lg = loss_and_grad(z, noise, observed, weights, cancel);
    if (lg.cancelled) {
      result.cancelled = true;
      break;
    }
    curve.push_back(lg.loss.to(torch::kCPU, torch::kFloat64));
    if (on_iteration) on_iteration(ReconstructIteration{it, lg.loss, lg.x});
    z.mutable_grad() = lg.grad;
    adam.step();
    if (bounded) {
      torch::NoGradGuard no_grad;
      z.clamp_(-1.0, 1.0);
    }
  }
  z.mutable_grad() = torch::Tensor();
  result.z = z.detach();
  if (result.cancelled) {
    // Stop means stop: no final K-step pass. The curve holds the iterations that finished.
    result.curve = curve.empty() ? torch::empty({0, z.size(0)}, torch::kFloat64) : torch::stack(curve);
    return result;
  }
  result.x = generate(result.z, noise);
  result.mse = (weights * (result.x - observed).pow(2)).flatten(1).sum(1);
  curve.push_back(result.mse.to(torch::kCPU, torch::kFloat64));
  result.curve = torch::stack(curve);
  if (on_iteration) on_iteration(ReconstructIteration{static_cast<int64_t>(curve.size()) - 1, result.mse, result.x});
  return result;
}

ReconstructResult Reconstructor::run(const torch::Tensor& observed, const torch::Tensor& mask, const torch::Tensor& chains,
                                     const ReconstructCallback& on_iteration, const std::atomic<bool>* cancel) const {
  return run(observed, mask, sampler_.initial_state(chains), sampler_.noise_of(chains), on_iteration, cancel);
}

torch::Tensor make_mask(const std::string& spec, int64_t h, int64_t w, uint64_t seed) {
  torch::Tensor m = torch::ones({1, 1, h, w});
  if (spec == "center") {
    m.narrow(2, h / 4, h / 2).narrow(3, w / 4, w / 2).zero_();
  } else if (spec == "left") {
    m.narrow(3, 0, w / 2).zero_();
  } else if (spec.rfind("random:", 0) == 0) {
    double p = -1;
    try {
      p = std::stod(spec.substr(7));
    } catch (const std::exception&) {
    }
    if (!(p >= 0 && p < 1)) throw Error("mask '" + spec + "': expected random:P with 0 <= P < 1 (the fraction hidden)");
    const torch::Tensor u = CounterNoise(seed).uniform(torch::zeros({1}, torch::kInt64), 0, NoiseStream::kMisc, {1, h, w});
    m = (u >= p).to(torch::kFloat32);
  } else {
    throw Error("mask '" + spec + "' is unknown; expected a PNG file, center, left or random:P");
  }
  return m;
}

}  // namespace shortrun

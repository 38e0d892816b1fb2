// The Langevin loop with per-chain NaN freezing, observers and cancellation.
#include "shortrun/langevin_sampler.h"

namespace shortrun {

torch::Tensor chain_range(int64_t first, int64_t n, torch::Device device) {
  return torch::arange(first, first + n, torch::TensorOptions().dtype(torch::kInt64).device(device));
}

LangevinSampler::LangevinSampler(EnergyModel& model, SamplerConfig config)
    : model_(model), config_(std::move(config)), noise_(config_.seed) {
  config_.validate();
}

torch::Tensor LangevinSampler::initial_state(const torch::Tensor& chains) const {
  const auto shape = model_.shape().chw();
  const torch::Tensor c = chains.to(model_.device());
  if (config_.init == "gaussian") return noise_.normal(c, 0, NoiseStream::kInitGauss, shape);
  return noise_.uniform(c, 0, NoiseStream::kInitUniform, shape).mul_(2.0).sub_(1.0);
}

torch::Tensor LangevinSampler::langevin_noise(const torch::Tensor& chains, int64_t step) const {
  return noise_.normal(chains.to(model_.device()), step, NoiseStream::kLangevin, model_.shape().chw());
}

std::pair<torch::Tensor, torch::Tensor> LangevinSampler::energy_and_grad(const torch::Tensor& x_in) const {
  // Gradient w.r.t. x only: autograd::grad never writes .grad of the weights.
  torch::AutoGradMode grad_on(true);
  const auto one_batch = [this](const torch::Tensor& xb) {
    torch::Tensor x = xb.detach().requires_grad_(true);
    torch::Tensor f = model_.energy(x);
    torch::Tensor g = torch::autograd::grad({f.sum()}, {x}, {}, /*retain_graph=*/false, /*create_graph=*/false)[0];
    return std::make_pair(f.detach(), g);
  };
  const int64_t n = x_in.size(0), chunk = config_.chunk;
  if (chunk <= 0 || n == chunk) return one_batch(x_in);
  // Fixed-size chunks, the last padded with zeros, so every evaluation has the same shape.
  const int64_t padded = (n + chunk - 1) / chunk * chunk;
  torch::Tensor x = x_in;
  if (padded != n) {
    std::vector<int64_t> pad_shape = x_in.sizes().vec();
    pad_shape[0] = padded - n;
    x = torch::cat({x_in, torch::zeros(pad_shape, x_in.options())});
  }
  std::vector<torch::Tensor> fs, gs;
  for (int64_t i = 0; i < padded; i += chunk) {
    auto [f, g] = one_batch(x.narrow(0, i, chunk));
    fs.push_back(f);
    gs.push_back(g);
  }
  return {torch::cat(fs).narrow(0, 0, n), torch::cat(gs).narrow(0, 0, n)};
}

SampleResult LangevinSampler::run(int64_t n, const std::optional<torch::Tensor>& init, const StepObserver& observer,
                                  const std::atomic<bool>* cancel) const {
  return run(chain_range(0, n, model_.device()), init, observer, cancel);
}

NoiseFn LangevinSampler::noise_of(const torch::Tensor& chains_in) const {
  const torch::Tensor chains = chains_in.to(model_.device());
  return [this, chains](int64_t step) { return langevin_noise(chains, step); };
}

SampleResult LangevinSampler::run(const torch::Tensor& chains, const std::optional<torch::Tensor>& init,
                                  const StepObserver& observer, const std::atomic<bool>* cancel) const {
  const torch::Tensor x0 = init ? init->to(model_.device(), torch::kFloat32) : initial_state(chains);
  return run_from(x0, noise_of(chains), observer, cancel);
}

SampleResult LangevinSampler::run_from(const torch::Tensor& x0, const NoiseFn& noise, const StepObserver& observer,
                                       const std::atomic<bool>* cancel) const {
  const int64_t n = x0.size(0);
  torch::Tensor x = x0.detach().to(model_.device()).clone();
  torch::Tensor alive = torch::ones({n}, torch::TensorOptions().dtype(torch::kBool).device(model_.device()));
  const auto per_chain = [n](const torch::Tensor& t) { return t.reshape({n, -1}); };
  SampleResult result;
  for (int64_t k = 0; k <= config_.steps; ++k) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    const bool last = k == config_.steps;
    if (last && !observer) break;  // f(x_K) is only needed for the observer
    auto [f, g] = energy_and_grad(x);
    if (last) {
      observer(StepInfo{k, x, f, per_chain(g).norm(2, 1), torch::Tensor(), alive});
      break;
    }
    torch::Tensor x_next = x + config_.step_size * g;
    if (config_.noise_std > 0 && noise) {
      const torch::Tensor u = noise(k);
      if (u.defined()) x_next.add_(u.to(x.dtype()), config_.noise_std);
    }
    if (config_.clamp) x_next.clamp_(-1.0, 1.0);
    // A chain whose next state is not finite is frozen at its last finite state.
    alive = alive & torch::isfinite(per_chain(x_next)).all(1);
    x_next = torch::where(alive.view({n, 1, 1, 1}), x_next, x);
    if (observer) observer(StepInfo{k, x, f, per_chain(g).norm(2, 1), x_next - x, alive});
    x = x_next;
    result.steps_done = k + 1;
  }
  result.x = x;
  result.alive = alive;
  return result;
}

}  // namespace shortrun

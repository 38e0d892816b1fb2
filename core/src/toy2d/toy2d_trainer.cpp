// The 2-D playground's short-run learning loop, grids and divergences (see toy2d_trainer.h).
#include "shortrun/toy2d/toy2d_trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/training/contrastive_loss.h"

namespace shortrun {

namespace {
constexpr int64_t kKlGrid = 64;          // KL: cells per side
constexpr int64_t kReferencePoints = 1024;
constexpr uint64_t kReferenceSeedOffset = 0x5eed2d;  // target points for MMD/KL, apart from training draws
constexpr int64_t kSnapshotEvery = 50;  // iterations between the watchdog's snapshots
constexpr size_t kSnapshots = 4;        // kept, oldest first: a rollback steps back one at a time

// Gaussian KDE of points [N,2] evaluated at the grid's cell centres, normalised over the grid.
torch::Tensor kde_grid(const torch::Tensor& points, int64_t g, double box, double bandwidth) {
  const torch::Tensor c = (torch::arange(g, torch::kFloat64) + 0.5) / double(g) * (2 * box) - box;
  const torch::Tensor p = points.to(torch::kFloat64);
  // Separable: exp(-(dx² + dy²)/2h²) = exp(-dx²/2h²)·exp(-dy²/2h²); rows run from y = +box down.
  const torch::Tensor kx = (-(p.select(1, 0).unsqueeze(1) - c.unsqueeze(0)).pow(2) / (2 * bandwidth * bandwidth)).exp();  // [N,g]
  const torch::Tensor ky = (-(p.select(1, 1).unsqueeze(1) - c.flip(0).unsqueeze(0)).pow(2) / (2 * bandwidth * bandwidth)).exp();
  torch::Tensor d = torch::mm(ky.t(), kx);  // [g(rows, y), g(cols, x)]
  const double total = d.sum().item<double>();
  return total > 0 ? d / total : torch::full({g, g}, 1.0 / double(g * g), torch::kFloat64);
}

double rbf_mean(const torch::Tensor& a, const torch::Tensor& b, const std::vector<double>& bandwidths) {
  const torch::Tensor d2 = torch::cdist(a, b).pow(2);
  double s = 0;
  for (double h : bandwidths) s += (-d2 / (2 * h * h)).exp().mean().item<double>();
  return s;
}
}  // namespace

void Toy2dConfig::validate() const {
  Toy2dTarget::from_spec(target);
  if (hidden < 1 || hidden > 4096) throw Error("toy config: hidden width must be in 1..4096");
  if (activation != "silu" && activation != "softplus") throw Error("toy config: activation '" + activation + "'; expected silu or softplus");
}

void to_json(nlohmann::json& j, const Toy2dConfig& c) {
  j = {{"target", c.target}, {"hidden", c.hidden}, {"activation", c.activation}, {"seed", c.seed}};
}
void from_json(const nlohmann::json& j, Toy2dConfig& c) {
  if (!j.is_object()) throw Error("toy settings: the configuration is not a JSON object");
  Toy2dConfig d;
  c.target = json_get(j, "target", d.target);
  c.hidden = json_get(j, "hidden", d.hidden);
  c.activation = json_get(j, "activation", d.activation);
  c.seed = json_get(j, "seed", d.seed);
  c.validate();
}

void Toy2dSettings::validate() const {
  if (steps < 1 || steps > 100000) throw Error("toy settings: steps K must be in 1..100000");
  if (!(step_size > 0) || !std::isfinite(step_size)) throw Error("toy settings: step size must be a positive number");
  if (!(noise_std >= 0) || !std::isfinite(noise_std)) throw Error("toy settings: noise must be >= 0");
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("toy settings: learning rate must be a positive number");
  if (batch < 2 || batch > 65536) throw Error("toy settings: batch must be in 2..65536");
  if (!(data_noise >= 0) || !std::isfinite(data_noise)) throw Error("toy settings: data noise must be >= 0");
  if (log_every < 1) throw Error("toy settings: log_every must be >= 1");
  if (trail_chains < 0) throw Error("toy settings: trail_chains must be >= 0");
  if (!(energy_l2 >= 0) || !(energy_l2 <= 100)) throw Error("toy settings: energy L2 must be in 0..100");
  if (!(watch_gap > 0) || !std::isfinite(watch_gap) || watch_patience < 1 || !(rollback_lr_factor > 0 && rollback_lr_factor < 1) ||
      max_rollbacks < 0)
    throw Error("toy settings: watchdog needs watch_gap > 0, watch_patience >= 1, 0 < rollback_lr_factor < 1, max_rollbacks >= 0");
}

void to_json(nlohmann::json& j, const Toy2dSettings& s) {
  j = {{"steps", s.steps}, {"step_size", s.step_size}, {"noise_std", s.noise_std}, {"lr", s.lr},
       {"batch", s.batch}, {"data_noise", s.data_noise}, {"log_every", s.log_every}, {"trail_chains", s.trail_chains},
       {"energy_l2", s.energy_l2}, {"watchdog", s.watchdog}, {"watch_gap", s.watch_gap}, {"watch_patience", s.watch_patience},
       {"rollback_lr_factor", s.rollback_lr_factor}, {"max_rollbacks", s.max_rollbacks}};
}
void from_json(const nlohmann::json& j, Toy2dSettings& s) {
  if (!j.is_object()) throw Error("toy settings: the sampler and learning settings are not a JSON object");
  Toy2dSettings d;
  s.steps = json_get(j, "steps", d.steps);
  s.step_size = json_get(j, "step_size", d.step_size);
  s.noise_std = json_get(j, "noise_std", d.noise_std);
  s.lr = json_get(j, "lr", d.lr);
  s.batch = json_get(j, "batch", d.batch);
  s.data_noise = json_get(j, "data_noise", d.data_noise);
  s.log_every = json_get(j, "log_every", d.log_every);
  s.trail_chains = json_get(j, "trail_chains", d.trail_chains);
  // Files from before these existed trained without penalty and without a watchdog.
  s.energy_l2 = json_get(j, "energy_l2", 0.0);
  s.watchdog = json_get(j, "watchdog", j.contains("energy_l2") ? d.watchdog : false);
  s.watch_gap = json_get(j, "watch_gap", d.watch_gap);
  s.watch_patience = json_get(j, "watch_patience", d.watch_patience);
  s.rollback_lr_factor = json_get(j, "rollback_lr_factor", d.rollback_lr_factor);
  s.max_rollbacks = json_get(j, "max_rollbacks", d.max_rollbacks);
  s.validate();
}

Toy2dTrainer::Toy2dTrainer(Toy2dConfig config, Toy2dSettings settings)
    : config_(std::move(config)), settings_(settings), target_(Toy2dTarget::from_spec(config_.target)), noise_(config_.seed) {
  config_.validate();
  settings_.validate();
  torch::manual_seed(config_.seed);  // weight init
  energy_ = Toy2dEnergy(config_.hidden, config_.activation);
  adam_ = std::make_unique<Adam>(energy_->parameters(), AdamOptions{settings_.lr, 0.9, 0.999, 1e-8});
  reference_ = target_.sample(kReferencePoints, CounterNoise(config_.seed + kReferenceSeedOffset), 0).to(torch::kFloat64);
  reference_grid_ = smoothed_grid(reference_);
  snapshots_.push_back(snapshot());
}

void Toy2dTrainer::set_settings(const Toy2dSettings& s) {
  s.validate();
  settings_ = s;
  adam_->options().lr = s.lr * lr_scale_;
}

Toy2dTrainer::Snapshot Toy2dTrainer::snapshot() const {
  Snapshot out;
  out.iteration = iteration_;
  for (const auto& p : energy_->parameters()) out.weights.push_back(p.detach().clone());
  out.adam = adam_->state();
  return out;
}

void Toy2dTrainer::rollback(const std::string& reason, const std::function<void(const Toy2dRollback&)>& on_rollback) {
  if (rollbacks_ >= settings_.max_rollbacks)
    throw Error("toy training diverged at iteration " + std::to_string(iteration_) + " (" + reason + ") after " +
                std::to_string(rollbacks_) + " rollbacks; lower the step size or the learning rate, or raise the energy L2 penalty");
  // The newest snapshot may already hold the start of the runaway: step back past it when there is
  // an older one; each further rollback steps back one more.
  if (snapshots_.size() > 1) snapshots_.pop_back();
  const Snapshot& to = snapshots_.back();
  {
    torch::NoGradGuard no_grad;
    auto params = energy_->parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(to.weights[i]);
  }
  adam_->load_state(to.adam, "the watchdog's snapshot");
  Toy2dRollback r;
  r.iteration = iteration_;
  r.to_iteration = to.iteration;
  r.reason = reason;
  iteration_ = to.iteration;
  while (!history_.empty() && history_.back().iteration > iteration_) history_.pop_back();
  lr_scale_ *= settings_.rollback_lr_factor;
  adam_->options().lr = settings_.lr * lr_scale_;
  strikes_ = 0;
  r.rollbacks = ++rollbacks_;
  r.lr = adam_->options().lr;
  if (on_rollback) on_rollback(r);
}

torch::Tensor Toy2dTrainer::smoothed_grid(const torch::Tensor& points) const {
  // Bandwidth: two KL cells, so a batch of a few hundred points gives a usable density.
  return kde_grid(points, kKlGrid, target_.box(), 2 * 2 * target_.box() / double(kKlGrid));
}

double Toy2dTrainer::kl_grid(const torch::Tensor& samples) const {
  const torch::Tensor q = smoothed_grid(samples).clamp_min(1e-12), p = reference_grid_;
  return (p * (p.clamp_min(1e-300).log() - q.log())).sum().item<double>();
}

double Toy2dTrainer::mmd(const torch::Tensor& samples) const {
  const torch::Tensor x = samples.to(torch::kFloat64), y = reference_;
  const double b = target_.box();
  const std::vector<double> h = {b / 40, b / 10, b / 2.5};
  return rbf_mean(x, x, h) + rbf_mean(y, y, h) - 2 * rbf_mean(x, y, h);
}

std::pair<torch::Tensor, double> Toy2dTrainer::run_chain(torch::Tensor x, const torch::Tensor& chains, const CounterNoise& noise,
                                                          int64_t steps, int64_t record_every, int64_t keep,
                                                          Toy2dParticles* out) const {
  keep = std::min<int64_t>(keep, x.size(0));
  const int64_t every = std::max<int64_t>(1, record_every > 0 ? record_every : steps);
  if (out) {
    out->n = keep;
    out->every = every;
    out->frames = 0;
    out->xy.clear();
    out->xy.reserve(size_t((steps / every + 2) * keep * 2));
  }
  const auto record = [&](const torch::Tensor& xs) {
    if (!out || keep == 0) return;
    const torch::Tensor head = xs.narrow(0, 0, keep).to(torch::kFloat32).contiguous();
    out->xy.insert(out->xy.end(), head.data_ptr<float>(), head.data_ptr<float>() + keep * 2);
    ++out->frames;
  };
  record(x);
  double grad_sum = 0;
  for (int64_t k = 0; k < steps; ++k) {
    const torch::Tensor g = energy_->energy_and_grad(x).second;
    grad_sum += g.norm(2, 1).mean().item<double>();
    x = x + settings_.step_size * g;
    if (settings_.noise_std > 0) x = x + settings_.noise_std * noise.normal(chains, k, NoiseStream::kLangevin, {2});
    if ((k + 1) % every == 0 || k + 1 == steps) record(x);  // the last frame is always x_steps
  }
  return {x, steps > 0 ? grad_sum / double(steps) : 0.0};
}

int64_t Toy2dTrainer::step(int64_t n, const std::atomic<bool>* cancel, const std::function<void(const Toy2dLog&)>& on_log,
                           const std::function<void(const Toy2dRollback&)>& on_rollback) {
  using clock = std::chrono::steady_clock;
  auto last_log = clock::now();
  int64_t last_log_iter = iteration_, done = 0;
  const double box = target_.box();
  for (; done < n; ++done) {
    if (cancel && cancel->load()) break;
    const int64_t it = iteration_, b = settings_.batch;
    const torch::Tensor chains = chain_range(it * b, b, torch::kCPU);
    const torch::Tensor x0 = (noise_.uniform(chains, 0, NoiseStream::kInitUniform, {2}) * 2 - 1) * box;
    auto [samples, grad_norm] = run_chain(x0, chains, noise_, settings_.steps, 1, settings_.trail_chains, &last_chain_);
    torch::Tensor data = target_.sample(b, noise_, it);
    if (settings_.data_noise > 0) data = data + settings_.data_noise * noise_.normal(chains, 3, NoiseStream::kData, {2});
    const torch::Tensor f = energy_->forward(torch::cat({data, samples.detach()}));
    const torch::Tensor f_data = f.narrow(0, 0, b).mean(), f_samp = f.narrow(0, b, b).mean();
    const double fd = f_data.item<double>(), fs = f_samp.item<double>();
    const bool finite = std::isfinite(fd) && std::isfinite(fs) && torch::isfinite(samples).all().item<bool>();
    if (!finite && !settings_.watchdog)
      throw Error("toy training diverged at iteration " + std::to_string(it) + " (non-finite energy or samples); lower the step size "
                  "or the learning rate");
    strikes_ = finite && std::fabs(fd - fs) <= settings_.watch_gap ? 0 : strikes_ + 1;
    if (settings_.watchdog && (!finite || strikes_ >= settings_.watch_patience)) {
      char why[160] = "non-finite energy or samples";
      if (finite)
        std::snprintf(why, sizeof why, "|gap| %.3g > %.3g for %lld iterations", std::fabs(fd - fs), settings_.watch_gap,
                      static_cast<long long>(strikes_));
      rollback(why, on_rollback);
      continue;
    }
    const torch::Tensor loss = contrastive_loss(f, b, settings_.energy_l2);
    adam_->zero_grad();
    loss.backward();
    adam_->step();
    iteration_ = it + 1;
    if (iteration_ % kSnapshotEvery == 0 && strikes_ == 0) {
      snapshots_.push_back(snapshot());
      if (snapshots_.size() > kSnapshots) snapshots_.erase(snapshots_.begin());
    }
    if (iteration_ % settings_.log_every == 0) {
      Toy2dLog entry;
      entry.iteration = iteration_;
      entry.f_data = fd;
      entry.f_samples = fs;
      entry.gap = fd - fs;
      entry.grad_norm = grad_norm;
      entry.kl = kl_grid(samples);
      entry.mmd = mmd(samples);
      entry.lr = adam_->options().lr;
      const double dt = std::chrono::duration<double>(clock::now() - last_log).count();
      entry.its_per_s = dt > 0 ? double(iteration_ - last_log_iter) / dt : 0;
      last_log = clock::now();
      last_log_iter = iteration_;
      history_.push_back(entry);
      if (best_iteration_ < 0 || entry.kl < best_kl_) {
        best_iteration_ = iteration_;
        best_kl_ = entry.kl;
        best_weights_.clear();
        for (const auto& p : energy_->parameters()) best_weights_.push_back(p.detach().clone());
      }
      if (on_log) on_log(entry);
    }
  }
  return done;
}

Toy2dField Toy2dTrainer::field(int64_t g) const {
  if (g < 2 || g > 2048) throw Error("toy field: grid size must be in 2..2048");
  const double box = target_.box();
  const torch::Tensor c = ((torch::arange(g, torch::kFloat32) + 0.5) / float(g) * float(2 * box) - float(box));
  const torch::Tensor pts = torch::stack({c.view({1, g}).expand({g, g}).reshape(-1), c.flip(0).view({g, 1}).expand({g, g}).reshape(-1)}, 1);
  const auto [f, grad] = energy_->energy_and_grad(pts);
  const torch::Tensor f64 = f.to(torch::kFloat64);
  const torch::Tensor density = (f64 - f64.max()).exp() / (f64 - f64.max()).exp().sum();
  Toy2dField out;
  out.size = g;
  out.box = box;
  const torch::Tensor fc = f.contiguous(), dc = density.to(torch::kFloat32).contiguous(), gc = grad.contiguous();
  out.energy.assign(fc.data_ptr<float>(), fc.data_ptr<float>() + g * g);
  out.density.assign(dc.data_ptr<float>(), dc.data_ptr<float>() + g * g);
  out.grad.assign(gc.data_ptr<float>(), gc.data_ptr<float>() + g * g * 2);
  return out;
}

Toy2dParticles Toy2dTrainer::sample(int64_t n, int64_t steps, int64_t record_every, uint64_t seed) const {
  if (n < 1 || steps < 0) throw Error("toy sample: need n >= 1 chains and steps >= 0");
  // Other chains than training ever uses: their own key.
  const CounterNoise noise(config_.seed ^ (0x9e3779b97f4a7c15ULL + seed));
  const torch::Tensor chains = chain_range(0, n, torch::kCPU);
  const torch::Tensor x0 = (noise.uniform(chains, 0, NoiseStream::kInitUniform, {2}) * 2 - 1) * target_.box();
  Toy2dParticles out;
  run_chain(x0, chains, noise, steps, record_every, n, &out);
  return out;
}

void Toy2dTrainer::write(const std::string& path, const std::vector<torch::Tensor>& weights, int64_t iteration,
                         const Toy2dConfig* recorded) const {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  size_t i = 0;
  for (const auto& p : energy_->named_parameters()) tensors.emplace_back(p.key(), weights.at(i++).detach().contiguous());
  const nlohmann::json meta = {{"config", recorded ? *recorded : config_}, {"settings", settings_}, {"iteration", iteration}};
  write_safetensors(path, tensors, {{"format", "shortrun-toy2d"}, {"shortrun_toy2d", json_text(meta)}});
}

void Toy2dTrainer::save(const std::string& path, const Toy2dConfig* recorded) const {
  write(path, energy_->parameters(), iteration_, recorded);
}

void Toy2dTrainer::save_best(const std::string& path, const Toy2dConfig* recorded) const {
  if (best_iteration_ < 0) throw Error("toy training: no logged iteration yet, so no best model to save");
  write(path, best_weights_, best_iteration_, recorded);
}

}  // namespace shortrun

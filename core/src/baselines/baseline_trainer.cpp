// VAE / DCGAN training with run-directory bookkeeping, exact resume and the watchdog
// (see baseline_trainer.h).
#include "shortrun/baselines/baseline_trainer.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>

#include "shortrun/base/build_info.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/base/runtime.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/baselines/gan_loss.h"
#include "shortrun/baselines/vae_loss.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/portable_path.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/noise.h"

namespace shortrun {
namespace fs = std::filesystem;

namespace {
// The fixed z of the sample grids: chains 0..63 of a seed apart from the training noise.
torch::Tensor grid_latents(uint64_t seed, int64_t latent, torch::Device device) {
  return CounterNoise(seed + 7919).normal(chain_range(0, 64, device), 0, NoiseStream::kMisc, {latent});
}

NamedTensors prefixed(const NamedTensors& in, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [n, t] : in) out.emplace_back(prefix + n, t);
  return out;
}
}  // namespace

void BaselineTrainerConfig::validate() const {
  spec.validate();
  if (iters < 0) throw Error("iters must be >= 0");
  if (limit < 0) throw Error("limit must be >= 0 (0: all images)");
  if (batch < 2 || batch > 65536) throw Error("batch must be in 2..65536 (BatchNorm needs two images)");
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("learning rate must be a positive number");
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw Error("Adam betas must be in [0, 1)");
  if (log_every < 1 || sample_every < 1 || checkpoint_every < 1) throw Error("log/sample/checkpoint intervals must be >= 1");
  if (!(watch_d_loss >= 0) || watch_patience < 1 || !(rollback_lr_factor > 0 && rollback_lr_factor < 1) || max_rollbacks < 0)
    throw Error("watchdog settings: watch_d_loss >= 0, watch_patience >= 1, 0 < rollback_lr_factor < 1, max_rollbacks >= 0");
}

void to_json(nlohmann::json& j, const BaselineTrainerConfig& c) {
  j = {{"model", c.spec.kind},  {"data", c.data},       {"limit", c.limit},
       {"baseline", c.spec},    {"iters", c.iters},     {"batch", c.batch},
       {"lr", c.lr},            {"beta1", c.beta1},     {"beta2", c.beta2},
       {"seed", c.seed},        {"log_every", c.log_every}, {"sample_every", c.sample_every},
       {"checkpoint_every", c.checkpoint_every}, {"watchdog", c.watchdog}, {"watch_d_loss", c.watch_d_loss},
       {"watch_patience", c.watch_patience}, {"rollback_lr_factor", c.rollback_lr_factor}, {"max_rollbacks", c.max_rollbacks}};
}

void from_json(const nlohmann::json& j, BaselineTrainerConfig& c) {
  const BaselineTrainerConfig d;
  if (!j.is_object() || !j.contains("baseline")) throw Error("not a baseline run configuration (no 'baseline')");
  c.spec = j.at("baseline").get<BaselineSpec>();
  if (json_get(j, "model", c.spec.kind) != c.spec.kind) throw Error("'model' and 'baseline.kind' disagree");
  c.data = json_get(j, "data", d.data);
  c.limit = json_get(j, "limit", d.limit);
  c.iters = json_get(j, "iters", d.iters);
  c.batch = json_get(j, "batch", d.batch);
  c.lr = json_get(j, "lr", d.lr);
  c.beta1 = json_get(j, "beta1", d.beta1);
  c.beta2 = json_get(j, "beta2", d.beta2);
  c.seed = json_get(j, "seed", d.seed);
  c.log_every = json_get(j, "log_every", d.log_every);
  c.sample_every = json_get(j, "sample_every", d.sample_every);
  c.checkpoint_every = json_get(j, "checkpoint_every", d.checkpoint_every);
  c.watchdog = json_get(j, "watchdog", d.watchdog);
  c.watch_d_loss = json_get(j, "watch_d_loss", d.watch_d_loss);
  c.watch_patience = json_get(j, "watch_patience", d.watch_patience);
  c.rollback_lr_factor = json_get(j, "rollback_lr_factor", d.rollback_lr_factor);
  c.max_rollbacks = json_get(j, "max_rollbacks", d.max_rollbacks);
  c.validate();
}

std::string baseline_run_kind(const std::string& dir) {
  std::error_code ec;
  const std::string path = dir + "/config.json";
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > (1u << 20) || ec) return "";
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("baseline") || !j.contains("model") || !j["model"].is_string()) return "";
  const std::string kind = j["model"].get<std::string>();
  return kind == "vae" || kind == "gan" ? kind : "";
}

BaselineTrainer::BaselineTrainer(BaselineTrainerConfig config, std::string out_dir, torch::Device device)
    : BaselineTrainer(std::move(config), std::move(out_dir), device, true) {}

BaselineTrainer::BaselineTrainer(BaselineTrainerConfig config, std::string out_dir, torch::Device device, bool fresh)
    : config_(std::move(config)), out_dir_(std::move(out_dir)), device_(device), files_(out_dir_, true) {
  config_.validate();
  // A baseline run's directory is not a folder of the user's: it is refused below as holding a run.
  if (fresh) files_.create(config_file(), !baseline_run_kind(out_dir_).empty());
  else files_.reopen();
  torch::manual_seed(config_.seed);  // weight init
  model_ = std::make_unique<BaselineModel>(config_.spec);
  model_->to(device_);
  model_->train(true);
  model_->provenance() = {{"trainer", stored_config()}, {"torch_version", torch_version()}, {"build", build_json()}};
  const AdamOptions opt{config_.lr, config_.beta1, config_.beta2, 1e-8};
  if (model_->is_vae()) {
    adam_g_ = std::make_unique<Adam>(model_->parameters(), opt);
  } else {
    adam_g_ = std::make_unique<Adam>(model_->generator_parameters(), opt);
    adam_d_ = std::make_unique<Adam>(model_->critic_parameters(), opt);
  }
}

BaselineTrainer BaselineTrainer::resume(const std::string& out_dir, torch::Device device) {
  BaselineTrainerConfig config;
  read_run_config(out_dir, [&](const nlohmann::json& j) {
    config = j.get<BaselineTrainerConfig>();
    config.data = resolve_data_spec(config.data, out_dir);
  });
  BaselineTrainer t(config, out_dir, device, false);
  t.restore_generation(0);
  t.wall_before_ = t.trim_metrics();
  const std::string threads = thread_count_warning(t.trained_threads_);
  if (!threads.empty()) t.warnings_.push_back(threads);
  return t;
}

std::vector<std::string> BaselineTrainer::value_names() const {
  if (model_->is_vae()) return {"loss", "recon", "kl", "mse"};
  return {"d_loss", "g_loss", "d_real", "d_fake"};
}

void BaselineTrainer::save(const std::string& path, bool rotate) {
  NamedTensors state = prefixed(adam_g_->state(), "g.");
  if (adam_d_)
    for (auto& e : prefixed(adam_d_->state(), "d.")) state.push_back(e);
  for (const auto& [name, t] : model_->named_tensors())
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      throw Error("tensor '" + name + "' turned non-finite at iteration " + std::to_string(iteration_) +
                  "; not saved (the last good state is " + latest_checkpoint() + ")");
  state.emplace_back("iteration", torch::tensor(iteration_, torch::kInt64));
  state.emplace_back("lr", torch::tensor(adam_g_->options().lr, torch::kFloat64));
  state.emplace_back("rollbacks", torch::tensor(rollbacks_, torch::kInt64));
  state.emplace_back("threads", torch::tensor(int64_t(torch::get_num_threads()), torch::kInt64));
  for (int i = 0; i < kAcc; ++i) state.emplace_back("acc_" + std::to_string(i), torch::tensor(acc_.sum[i], torch::kFloat64));
  state.emplace_back("acc_n", torch::tensor(acc_.n, torch::kInt64));
  state.emplace_back("strikes", torch::tensor(acc_.strikes, torch::kInt64));
  model_->provenance()["iterations"] = iteration_;
  if (rotate) files_.rotate(path);
  save_baseline_checkpoint(path, *model_, state);
}

void BaselineTrainer::restore(const std::string& path) {
  LoadedBaseline loaded = load_baseline_checkpoint(path, device_);
  if (nlohmann::json(loaded.model->spec()) != nlohmann::json(config_.spec))
    throw NotThisRun(file_error(path, "holds a " + loaded.model->spec().summary() + ", the run's config.json says " +
                                          config_.spec.summary()).what());
  int64_t iteration = -1, rollbacks = 0, threads = 0;
  double lr = config_.lr;
  Running acc;
  NamedTensors g_state, d_state;
  for (const auto& [name, t] : loaded.train_state) {
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      throw file_error(path, "training state '" + clip(name) + "' contains NaN or Inf");
    const auto scalar = [&, &name = name, &t = t] {
      if (t.numel() != 1) throw file_error(path, "training state '" + clip(name) + "' is not a single number");
      return t;
    };
    if (name == "iteration") iteration = scalar().item<int64_t>();
    else if (name == "lr") lr = scalar().item<double>();
    else if (name == "rollbacks") rollbacks = scalar().item<int64_t>();
    else if (name == "threads") threads = scalar().item<int64_t>();
    else if (name == "acc_n") acc.n = scalar().item<int64_t>();
    else if (name == "strikes") acc.strikes = scalar().item<int64_t>();
    else if (name.rfind("acc_", 0) == 0 && name.size() == 5 && name[4] >= '0' && name[4] < '0' + kAcc)
      acc.sum[name[4] - '0'] = scalar().item<double>();
    else if (name.rfind("g.", 0) == 0) g_state.emplace_back(name.substr(2), t.to(device_));
    else if (name.rfind("d.", 0) == 0) d_state.emplace_back(name.substr(2), t.to(device_));
    else throw file_error(path, "unknown training state '" + clip(name) + "'");
  }
  if (iteration < 0) throw file_error(path, "training state has no valid iteration (expected a count >= 0)");
  if (!(lr > 0)) throw file_error(path, "training state has learning rate " + std::to_string(lr) + "; expected > 0");
  if (rollbacks < 0 || acc.n < 0 || acc.n > config_.log_every || acc.strikes < 0 || threads < 0)
    throw file_error(path, "training state counters are out of range (rollbacks, running sums, strikes, threads)");
  model_->load_named_tensors(loaded.model->named_tensors(), path);
  adam_g_->load_state(g_state, path);
  if (adam_d_) adam_d_->load_state(d_state, path);
  else if (!d_state.empty()) throw file_error(path, "holds a discriminator's optimiser state, but the run is a VAE");
  model_->provenance() = loaded.model->provenance();
  iteration_ = iteration;
  adam_g_->options().lr = lr;
  if (adam_d_) adam_d_->options().lr = lr;
  rollbacks_ = rollbacks;
  trained_threads_ = threads;
  acc_ = acc;
}

std::string BaselineTrainer::restore_generation(int first) {
  return files_.restore_newest(first, [this](const std::string& path) { restore(path); }, warnings_);
}

double BaselineTrainer::trim_metrics() { return files_.trim_metrics(iteration_, config_.iters).wall_s; }

nlohmann::json BaselineTrainer::stored_config() const {
  nlohmann::json j = config_;
  j["data"] = portable_data_spec(config_.data, out_dir_);
  return j;
}

nlohmann::json BaselineTrainer::config_file() const {
  nlohmann::json cfg = stored_config();
  cfg["torch_version"] = torch_version();
  return cfg;
}

void BaselineTrainer::set_iters(int64_t iters) {
  if (iters < iteration_)
    throw Error("--iters " + std::to_string(iters) + " is below the run's " + std::to_string(iteration_) + " finished iterations");
  config_.iters = iters;
  trim_metrics();
  model_->provenance()["trainer"] = stored_config();
  files_.write_config(config_file());
}

void BaselineTrainer::write_sample_grid() {
  torch::NoGradGuard no_grad;
  model_->train(false);
  const torch::Tensor x = model_->decode(grid_latents(config_.seed, config_.spec.latent, device_));
  model_->train(true);
  char name[64];
  std::snprintf(name, sizeof name, "/samples/iter_%06lld.png", static_cast<long long>(iteration_));
  write_png(out_dir_ + name, make_grid(x.to(torch::kCPU), 8));
}

std::vector<double> BaselineTrainer::step(const torch::Tensor& x, int64_t it) {
  const CounterNoise noise(config_.seed);
  const torch::Tensor chains = chain_range(it * config_.batch, config_.batch, device_);
  const torch::Tensor eps = noise.normal(chains, 0, NoiseStream::kMisc, {config_.spec.latent});
  const bool inject = inject_nonfinite_at_ == it;
  if (inject) inject_nonfinite_at_ = -1;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (model_->is_vae()) {
    const auto [mu, logvar] = model_->encode(x);
    const torch::Tensor x_hat = model_->decode(reparameterize(mu, logvar, eps));
    VaeLoss l = vae_loss(x, x_hat, mu, logvar, config_.spec.vae_sigma);
    if (inject) l.loss = l.loss + nan;
    const double loss = l.loss.item<double>();
    if (!std::isfinite(loss)) return {nan, nan, nan, nan};
    adam_g_->zero_grad();
    l.loss.backward();
    adam_g_->step();
    return {loss, l.recon.item<double>(), l.kl.item<double>(), (x - x_hat).pow(2).mean().item<double>()};
  }
  // GAN: one discriminator step on real and (detached) fake batches, then one generator step
  // through the updated discriminator, with the same fake batch (DCGAN's order).
  const torch::Tensor fake = model_->decode(eps);
  const torch::Tensor l_real = model_->discriminate(x), l_fake_d = model_->discriminate(fake.detach());
  torch::Tensor d_loss = discriminator_loss(l_real, l_fake_d);
  if (inject) d_loss = d_loss + nan;
  const double d_value = d_loss.item<double>();
  if (!std::isfinite(d_value)) return {nan, nan, nan, nan};
  adam_d_->zero_grad();
  d_loss.backward();
  adam_d_->step();
  const torch::Tensor l_fake = model_->discriminate(fake);
  const torch::Tensor g_loss = generator_loss(l_fake);
  const double g_value = g_loss.item<double>();
  if (!std::isfinite(g_value)) return {nan, nan, nan, nan};
  adam_g_->zero_grad();
  g_loss.backward();
  adam_g_->step();
  adam_d_->zero_grad();  // the generator's backward also reached the discriminator's weights
  return {d_value, g_value, torch::sigmoid(l_real).mean().item<double>(), torch::sigmoid(l_fake_d).mean().item<double>()};
}

int64_t BaselineTrainer::run(const Dataset& data, const std::atomic<bool>* stop,
                             const std::function<void(const BaselineProgress&)>& on_log) {
  const BaselineSpec& spec = config_.spec;
  if (data.images.dim() != 4 || data.images.size(1) != spec.channels || data.images.size(2) != spec.image_size ||
      data.images.size(3) != spec.image_size)
    throw Error("data images are " + std::to_string(data.images.size(1)) + "x" + std::to_string(data.images.size(2)) + "x" +
                std::to_string(data.images.size(3)) + " but the " + model_->kind_name() + " expects " +
                std::to_string(spec.channels) + "x" + std::to_string(spec.image_size) + "x" + std::to_string(spec.image_size));
  const torch::Tensor images = data.images.to(device_);
  const int64_t n_data = images.size(0);
  const CounterNoise noise(config_.seed);
  const std::vector<std::string> names = value_names();
  trim_metrics();  // a partial last line of a shorter run goes
  if (!file_exists(latest_checkpoint())) save(latest_checkpoint(), false);
  const auto report = [&](const std::string& event, const std::string& message) {
    if (!on_log) return;
    BaselineProgress p;
    p.iteration = iteration_;
    p.iters = config_.iters;
    p.event = event;
    p.message = message;
    p.lr = adam_g_->options().lr;
    on_log(p);
  };
  for (const std::string& w : warnings_) {
    files_.log({{"iteration", iteration_}, {"event", "warning"}, {"message", w}});
    report("warning", w);
  }
  warnings_.clear();

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last_log = t0;
  int64_t last_log_iter = iteration_;
  const auto wall_total = [&] { return wall_before_ + std::chrono::duration<double>(clock::now() - t0).count(); };
  int64_t saved_at = iteration_;

  const auto roll_back = [&](const std::string& reason) {
    if (rollbacks_ >= config_.max_rollbacks)
      throw Error("training diverged again at iteration " + std::to_string(iteration_) + " (" + reason + ") after " +
                  std::to_string(rollbacks_) + " rollbacks; the last good state is " + latest_checkpoint());
    const int64_t from = iteration_, rollbacks = rollbacks_ + 1;
    const double lr = adam_g_->options().lr * config_.rollback_lr_factor;
    const std::string target = restore_generation(static_cast<int>(std::min<int64_t>(rollback_depth_, RunFiles::kGenerations - 1)));
    ++rollback_depth_;
    adam_g_->options().lr = lr;
    if (adam_d_) adam_d_->options().lr = lr;
    rollbacks_ = rollbacks;
    acc_ = Running{};
    trim_metrics();
    files_.log({{"iteration", iteration_}, {"event", "rollback"}, {"from_iteration", from}, {"reason", reason},
               {"lr", lr}, {"rollbacks", rollbacks_}, {"wall_s", wall_total()}});
    save(latest_checkpoint(), false);  // the lower rate and the count survive a restart
    saved_at = iteration_;
    last_log = clock::now();
    last_log_iter = iteration_;
    report("rollback", reason + " at iteration " + std::to_string(from) + ": rolled back to iteration " +
                           std::to_string(iteration_) + ", learning rate now " + std::to_string(lr) +
                           (target == latest_checkpoint() ? "" : " (from " + target + ")"));
  };

  while (iteration_ < config_.iters && !(stop && stop->load())) {
    const int64_t it = iteration_;
    const torch::Tensor idx =
        noise.bits(torch::full({1}, it, torch::kInt64), 0, static_cast<int64_t>(NoiseStream::kBatch), config_.batch)
            .remainder(n_data).reshape({-1}).to(device_);
    const std::vector<double> v = step(images.index_select(0, idx), it);
    if (!std::isfinite(v[0])) {
      if (!config_.watchdog)
        throw Error("the " + model_->kind_name() + "'s loss turned non-finite at iteration " + std::to_string(it) +
                    " (watchdog off); the last good state is " + latest_checkpoint());
      roll_back("non-finite loss");
      continue;
    }
    iteration_ = it + 1;
    for (int i = 0; i < kAcc; ++i) acc_.sum[i] += v[i];
    ++acc_.n;
    const bool on_cadence = iteration_ % config_.log_every == 0;
    const bool partial = !on_cadence && iteration_ == config_.iters;
    if (on_cadence || partial) {
      const double dt = std::chrono::duration<double>(clock::now() - last_log).count();
      BaselineProgress p;
      p.iteration = iteration_;
      p.iters = config_.iters;
      p.its_per_s = dt > 0 ? double(iteration_ - last_log_iter) / dt : 0;
      p.eta_s = p.its_per_s > 0 ? double(config_.iters - iteration_) / p.its_per_s : 0;
      p.wall_s = wall_total();
      p.lr = adam_g_->options().lr;
      nlohmann::json m = {{"iteration", p.iteration}, {"wall_s", p.wall_s}, {"lr", p.lr}, {"its_per_s", p.its_per_s}};
      for (int i = 0; i < kAcc; ++i) {
        p.values[names[i]] = acc_.sum[i] / double(acc_.n);
        m[names[i]] = p.values[names[i]];
      }
      if (partial) m["partial"] = true;
      files_.log(m);
      if (on_log) on_log(p);
      if (on_cadence) {
        // GAN collapse: the discriminator separates real from fake almost perfectly.
        const bool collapsed = !model_->is_vae() && p.values["d_loss"] < config_.watch_d_loss;
        const int64_t strikes = collapsed ? acc_.strikes + 1 : 0;
        acc_ = Running{};
        acc_.strikes = strikes;
        last_log = clock::now();
        last_log_iter = iteration_;
        if (config_.watchdog && acc_.strikes >= config_.watch_patience) {
          char reason[128];
          std::snprintf(reason, sizeof reason, "discriminator loss %.3g below %.3g for %lld logs (collapse)",
                        p.values["d_loss"], config_.watch_d_loss, static_cast<long long>(acc_.strikes));
          roll_back(reason);
          continue;
        }
      }
    }
    if (iteration_ % config_.checkpoint_every == 0 && iteration_ != saved_at && acc_.strikes == 0) {
      save(latest_checkpoint(), true);
      saved_at = iteration_;
      rollback_depth_ = 0;
      files_.log({{"iteration", iteration_}, {"event", "checkpoint"}});
    }
    if (iteration_ % config_.sample_every == 0 || iteration_ == config_.iters) write_sample_grid();
  }
  wall_before_ = wall_total();
  if (iteration_ != saved_at || !file_exists(latest_checkpoint())) save(latest_checkpoint(), true);
  save_baseline_checkpoint(out_dir_ + "/model.safetensors", *model_);
  return iteration_;
}

}  // namespace shortrun

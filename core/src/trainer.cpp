// The paper's maximum-likelihood loop, with run-directory bookkeeping and exact resume
// (all randomness is counter-based: batch indices, data noise, z and u_k derive from
// (seed, iteration), so the state to resume is weights + Adam + iteration).
#include "shortrun/trainer.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shortrun/checkpoint.h"
#include "shortrun/error.h"
#include "shortrun/evaluation.h"
#include "shortrun/features.h"
#include "shortrun/file_util.h"
#include "shortrun/image_io.h"
#include "shortrun/langevin_sampler.h"
#include "shortrun/noise.h"
#include "shortrun/runtime.h"

namespace shortrun {
namespace fs = std::filesystem;

void TrainerConfig::validate() const {
  arch.validate();
  sampler.validate();
  if (iters < 0) throw Error("iters must be >= 0");
  if (batch < 1 || batch > 65536) throw Error("batch must be in 1..65536");
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("learning rate must be a positive number");
  if (!(data_noise >= 0)) throw Error("data noise must be >= 0");
  if (log_every < 1 || sample_every < 1 || checkpoint_every < 1) throw Error("log/sample/checkpoint intervals must be >= 1");
  if (eval_every < 0 || eval_n < 2) throw Error("eval_every must be >= 0 and eval_n >= 2");
  if (eval_every > 0 && eval_features.empty()) throw Error("evaluation during training needs a feature net (eval_features)");
  if (!(watch_gap > 0) || watch_patience < 1 || !(rollback_lr_factor > 0 && rollback_lr_factor < 1) || max_rollbacks < 0)
    throw Error("watchdog settings: watch_gap > 0, watch_patience >= 1, 0 < rollback_lr_factor < 1, max_rollbacks >= 0");
}

void to_json(nlohmann::json& j, const TrainerConfig& c) {
  j = {{"data", c.data},       {"arch", c.arch},          {"sampler", c.sampler},     {"iters", c.iters},
       {"batch", c.batch},     {"lr", c.lr},              {"beta1", c.beta1},         {"beta2", c.beta2},
       {"data_noise", c.data_noise}, {"seed", c.seed},    {"log_every", c.log_every}, {"sample_every", c.sample_every},
       {"checkpoint_every", c.checkpoint_every}, {"eval_every", c.eval_every}, {"eval_n", c.eval_n},
       {"eval_features", c.eval_features}, {"watchdog", c.watchdog}, {"watch_gap", c.watch_gap},
       {"watch_patience", c.watch_patience}, {"rollback_lr_factor", c.rollback_lr_factor},
       {"max_rollbacks", c.max_rollbacks}};
}

void from_json(const nlohmann::json& j, TrainerConfig& c) {
  TrainerConfig d;
  c.data = j.value("data", d.data);
  c.arch = j.at("arch").get<ArchSpec>();
  c.sampler = j.at("sampler").get<SamplerConfig>();
  c.iters = j.value("iters", d.iters);
  c.batch = j.value("batch", d.batch);
  c.lr = j.value("lr", d.lr);
  c.beta1 = j.value("beta1", d.beta1);
  c.beta2 = j.value("beta2", d.beta2);
  c.data_noise = j.value("data_noise", d.data_noise);
  c.seed = j.value("seed", d.seed);
  c.log_every = j.value("log_every", d.log_every);
  c.sample_every = j.value("sample_every", d.sample_every);
  c.checkpoint_every = j.value("checkpoint_every", d.checkpoint_every);
  c.eval_every = j.value("eval_every", d.eval_every);
  c.eval_n = j.value("eval_n", d.eval_n);
  c.eval_features = j.value("eval_features", d.eval_features);
  c.watchdog = j.value("watchdog", d.watchdog);
  c.watch_gap = j.value("watch_gap", d.watch_gap);
  c.watch_patience = j.value("watch_patience", d.watch_patience);
  c.rollback_lr_factor = j.value("rollback_lr_factor", d.rollback_lr_factor);
  c.max_rollbacks = j.value("max_rollbacks", d.max_rollbacks);
  c.validate();
}

Trainer::Trainer(TrainerConfig config, std::string out_dir, torch::Device device)
    : Trainer(std::move(config), std::move(out_dir), device, true) {}

Trainer::Trainer(TrainerConfig config, std::string out_dir, torch::Device device, bool fresh)
    : config_(std::move(config)), out_dir_(std::move(out_dir)), device_(device) {
  config_.validate();
  std::error_code ec;
  if (fresh) {
    if (file_exists(out_dir_ + "/checkpoints/latest.safetensors"))
      throw file_error(out_dir_, "already holds a run; continue it with --resume " + out_dir_ + " or choose another --out");
    fs::create_directories(out_dir_ + "/samples", ec);
    fs::create_directories(out_dir_ + "/checkpoints", ec);
    if (ec || !fs::is_directory(out_dir_ + "/checkpoints"))
      throw file_error(out_dir_, "cannot create the run directory (" + ec.message() + ")");
    nlohmann::json cfg = config_;
    cfg["torch_version"] = torch_version();
    write_file_atomic(out_dir_ + "/config.json", [&](std::ostream& o) { o << cfg.dump(2) << "\n"; });
    std::ofstream(out_dir_ + "/metrics.jsonl", std::ios::trunc);
  }
  torch::manual_seed(config_.seed);  // weight init
  model_ = std::make_unique<NativeEnergyModel>(config_.arch);
  model_->to(device_);
  ModelCard& card = model_->card();
  card.sampler = config_.sampler;
  card.provenance = {{"trainer", nlohmann::json(config_)}, {"torch_version", torch_version()}};
  adam_ = std::make_unique<Adam>(model_->parameters(), AdamOptions{config_.lr, config_.beta1, config_.beta2, 1e-8});
}

Trainer Trainer::resume(const std::string& out_dir, torch::Device device) {
  const std::string cfg_path = out_dir + "/config.json";
  if (!file_exists(cfg_path)) throw file_error(out_dir, "is not a run directory (no config.json)");
  TrainerConfig config;
  try {
    std::ifstream in(cfg_path);
    config = nlohmann::json::parse(in).get<TrainerConfig>();
  } catch (const Error& e) {
    throw file_error(cfg_path, e.what());
  } catch (const std::exception&) {
    throw file_error(cfg_path, "is not a valid run configuration (JSON expected)");
  }
  Trainer t(config, out_dir, device, false);
  const std::string ckpt = t.latest_checkpoint();
  if (!file_exists(ckpt)) throw file_error(ckpt, "missing; nothing to resume");
  t.restore(ckpt);
  t.trim_metrics();
  return t;
}

void Trainer::restore(const std::string& ckpt) {
  LoadedCheckpoint loaded = load_checkpoint(ckpt, device_);
  if (!loaded.model->card().arch || loaded.model->card().arch->summary() != config_.arch.summary())
    throw file_error(ckpt, "architecture (" + (loaded.model->card().arch ? loaded.model->card().arch->summary() : "?") +
                               ") differs from the run's config (" + config_.arch.summary() + ")");
  model_->load_named_parameters(loaded.model->named_parameters(), ckpt);
  model_->card() = loaded.model->card();
  NamedTensors adam_state;
  for (const auto& [name, tensor] : loaded.train_state) {
    if (name == "iteration") iteration_ = tensor.item<int64_t>();
    else if (name == "wall_s") wall_before_ = tensor.item<double>();
    else if (name == "lr") adam_->options().lr = tensor.item<double>();
    else if (name == "best_fd") best_fd_ = tensor.item<double>();
    else if (name == "rollbacks") rollbacks_ = tensor.item<int64_t>();
    else adam_state.emplace_back(name, tensor.to(device_));
  }
  adam_->load_state(adam_state, ckpt);
}

void Trainer::trim_metrics() const {
  const std::string metrics = out_dir_ + "/metrics.jsonl";
  std::ifstream in(metrics);
  std::string line, kept;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).value("iteration", int64_t(0)) <= iteration_) kept += line + "\n";
    } catch (const std::exception&) {
    }
  }
  in.close();
  write_file_atomic(metrics, [&](std::ostream& o) { o << kept; });
}

void Trainer::log_event(const nlohmann::json& event) const {
  std::ofstream(out_dir_ + "/metrics.jsonl", std::ios::app) << event.dump() << "\n";
}

void Trainer::set_evaluation(int64_t every, int64_t n, const std::string& features) {
  TrainerConfig c = config_;
  c.eval_every = every;
  c.eval_n = n;
  c.eval_features = features;
  c.validate();
  config_ = c;
  set_iters(config_.iters);  // rewrites config.json
}

void Trainer::set_iters(int64_t iters) {
  if (iters < iteration_) throw Error("--iters " + std::to_string(iters) + " is below the run's " + std::to_string(iteration_) + " finished iterations");
  config_.iters = iters;
  // A restored card carries the settings the run started with; checkpoints say what it runs with now.
  if (model_) model_->card().provenance["trainer"] = nlohmann::json(config_);
  nlohmann::json cfg = config_;
  cfg["torch_version"] = torch_version();
  write_file_atomic(out_dir_ + "/config.json", [&](std::ostream& o) { o << cfg.dump(2) << "\n"; });
}

std::string Trainer::latest_checkpoint() const { return out_dir_ + "/checkpoints/latest.safetensors"; }

void Trainer::save(const std::string& path, double wall_s) {
  NamedTensors state = adam_->state();
  state.emplace_back("iteration", torch::tensor(iteration_, torch::kInt64));
  state.emplace_back("wall_s", torch::tensor(wall_s, torch::kFloat64));
  state.emplace_back("lr", torch::tensor(adam_->options().lr, torch::kFloat64));
  state.emplace_back("best_fd", torch::tensor(best_fd_, torch::kFloat64));
  state.emplace_back("rollbacks", torch::tensor(rollbacks_, torch::kInt64));
  model_->card().provenance["iterations"] = iteration_;
  model_->card().provenance["train_wall_s"] = wall_s;
  save_checkpoint(path, *model_, state);
}

void Trainer::write_sample_grid(const torch::Tensor& samples) {
  char name[64];
  std::snprintf(name, sizeof name, "/samples/iter_%06lld.png", static_cast<long long>(iteration_));
  write_png(out_dir_ + name, make_grid(samples.narrow(0, 0, std::min<int64_t>(64, samples.size(0))), 8));
}

int64_t Trainer::run(const Dataset& data, const std::atomic<bool>* stop,
                     const std::function<void(const TrainProgress&)>& on_log) {
  const DataShape& shape = model_->shape();
  if (data.images.size(1) != shape.channels || data.images.size(2) != shape.height || data.images.size(3) != shape.width) {
    std::ostringstream s;
    s << "data images are " << data.images.sizes() << " but the model expects " << shape.str();
    throw Error(s.str());
  }
  const torch::Tensor images = data.images.to(device_);
  const int64_t n_data = images.size(0);
  const CounterNoise noise(config_.seed);
  const LangevinSampler sampler(*model_, [&] {
    SamplerConfig s = config_.sampler;
    s.seed = config_.seed;
    s.chunk = 0;  // one batch: fastest; a run replays exactly at its fixed batch size
    return s;
  }());
  model_->train(true);

  // Evaluation: the test split's feature statistics are computed once.
  std::unique_ptr<FeatureExtractor> features;
  GaussianStats test_stats;
  SamplerConfig eval_sampler = config_.sampler;
  eval_sampler.seed = config_.seed + 7919;  // fixed chains, apart from the training chains' noise
  if (config_.eval_every > 0) {
    features = load_feature_extractor(config_.eval_features, device_);
    torch::Tensor test;
    try {
      DataOptions d;
      d.split = "test";
      d.image_size = shape.height;
      d.limit = config_.eval_n;
      test = load_dataset(config_.data, d).images;
    } catch (const Error&) {
    }
    // Sources without a test split are evaluated against their first training images.
    if (!test.defined() || test.size(0) < config_.eval_n) test = data.images.narrow(0, 0, std::min(config_.eval_n, n_data));
    test_stats = gaussian_stats(features->features(test));
  }
  // The watchdog rolls back to latest.safetensors: there is always one, and it is only written
  // while the run is healthy.
  if (!file_exists(latest_checkpoint())) save(latest_checkpoint(), wall_before_);

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last_log = t0;
  int64_t last_log_iter = iteration_;
  double f_data_acc = 0, f_samp_acc = 0, grad_acc = 0;
  int64_t acc_n = 0, strikes = 0;
  const auto wall_total = [&] { return wall_before_ + std::chrono::duration<double>(clock::now() - t0).count(); };

  // Eval and rollback events reach the caller as progress reports with `event` set.
  const auto report_event = [&](const char* event, const std::string& message, double fd, double lr) {
    if (!on_log) return;
    TrainProgress p;
    p.iteration = iteration_;
    p.iters = config_.iters;
    p.event = event;
    p.message = message;
    p.fd = fd;
    p.lr = lr;
    on_log(p);
  };
  const auto roll_back = [&](const std::string& reason) {
    if (rollbacks_ >= config_.max_rollbacks)
      throw Error("training diverged again at iteration " + std::to_string(iteration_) + " (" + reason + ") after " +
                  std::to_string(rollbacks_) + " rollbacks; the last good state is " + latest_checkpoint());
    const int64_t from = iteration_, rollbacks = rollbacks_ + 1;
    const double lr = adam_->options().lr * config_.rollback_lr_factor, wall = wall_before_, best = best_fd_;
    restore(latest_checkpoint());
    wall_before_ = wall;
    best_fd_ = best;  // best.safetensors is not rolled back
    adam_->options().lr = lr;
    rollbacks_ = rollbacks;
    trim_metrics();
    const std::string msg = reason + " at iteration " + std::to_string(from) + ": rolled back to iteration " +
                            std::to_string(iteration_) + ", learning rate now " + std::to_string(lr);
    log_event({{"iteration", iteration_}, {"event", "rollback"}, {"from_iteration", from}, {"reason", reason},
               {"lr", lr}, {"rollbacks", rollbacks_}, {"wall_s", wall_total()}});
    save(latest_checkpoint(), wall_total());  // the lower rate and the count survive a restart
    strikes = 0;
    f_data_acc = f_samp_acc = 0;
    acc_n = 0;
    last_log = clock::now();
    last_log_iter = iteration_;
    report_event("rollback", msg, NAN, lr);
  };

  while (iteration_ < config_.iters) {
    if (stop && stop->load()) break;
    const int64_t it = iteration_;
    const torch::Tensor chains = chain_range(it * config_.batch, config_.batch, device_);
    // Data batch: indices and noise are functions of (seed, iteration).
    const torch::Tensor idx =
        noise.bits(torch::full({1}, it, torch::kInt64), 0, static_cast<int64_t>(NoiseStream::kBatch), config_.batch)
            .remainder(n_data).reshape({-1}).to(device_);
    torch::Tensor x_data = images.index_select(0, idx);
    if (config_.data_noise > 0) x_data = x_data + config_.data_noise * noise.normal(chains, 0, NoiseStream::kData, shape.chw());

    const bool log_now = (it + 1) % config_.log_every == 0 || it + 1 == config_.iters;
    double grad_sum = 0;
    int64_t grad_n = 0;
    StepObserver observer = nullptr;
    if (log_now)
      observer = [&](const StepInfo& s) { grad_sum += s.grad_norm.mean().item<double>(); ++grad_n; };
    const SampleResult samples = sampler.run(chains, std::nullopt, observer);

    const torch::Tensor f = model_->energy(torch::cat({x_data, samples.x.detach()}));
    const torch::Tensor f_data = f.narrow(0, 0, config_.batch).mean();
    const torch::Tensor f_samp = f.narrow(0, config_.batch, config_.batch).mean();
    const torch::Tensor loss = f_samp - f_data;
    const double fd_value = f_data.item<double>(), fs_value = f_samp.item<double>();
    if (config_.watchdog && !(std::isfinite(fd_value) && std::isfinite(fs_value))) {
      roll_back("non-finite energy");
      continue;
    }
    adam_->zero_grad();
    loss.backward();
    adam_->step();
    iteration_ = it + 1;

    f_data_acc += fd_value;
    f_samp_acc += fs_value;
    ++acc_n;
    if (grad_n) grad_acc = grad_sum / grad_n;

    const double wall_now = std::chrono::duration<double>(clock::now() - t0).count();
    if (log_now) {
      const double dt = std::chrono::duration<double>(clock::now() - last_log).count();
      TrainProgress p;
      p.iteration = iteration_;
      p.iters = config_.iters;
      p.f_data = f_data_acc / acc_n;
      p.f_samples = f_samp_acc / acc_n;
      p.grad_norm = grad_acc;
      p.its_per_s = dt > 0 ? (iteration_ - last_log_iter) / dt : 0;
      p.eta_s = p.its_per_s > 0 ? (config_.iters - iteration_) / p.its_per_s : 0;
      p.wall_s = wall_before_ + wall_now;
      p.lr = adam_->options().lr;
      const double gap = p.f_data - p.f_samples;
      nlohmann::json m = {{"iteration", p.iteration}, {"wall_s", p.wall_s},       {"f_data", p.f_data},
                          {"f_samples", p.f_samples}, {"gap", gap},               {"grad_norm", p.grad_norm},
                          {"lr", p.lr},               {"its_per_s", p.its_per_s}};
      log_event(m);
      if (on_log) on_log(p);
      last_log = clock::now();
      last_log_iter = iteration_;
      f_data_acc = f_samp_acc = 0;
      acc_n = 0;
      const bool runaway = !std::isfinite(gap) || !std::isfinite(p.grad_norm) || std::fabs(gap) > config_.watch_gap;
      strikes = runaway ? strikes + 1 : 0;
      if (config_.watchdog && strikes >= config_.watch_patience) {
        char reason[96];
        std::snprintf(reason, sizeof reason, "|f(data) - f(samples)| = %.3g above %.3g for %lld logs", std::fabs(gap),
                      config_.watch_gap, static_cast<long long>(strikes));
        roll_back(reason);
        continue;
      }
    }
    if (iteration_ % config_.sample_every == 0 || iteration_ == config_.iters) write_sample_grid(samples.x);
    if (features && strikes == 0 && (iteration_ % config_.eval_every == 0 || iteration_ == config_.iters)) {
      const double fd = sample_fd(*model_, eval_sampler, *features, &test_stats, torch::Tensor(), config_.eval_n);
      const bool best = fd < best_fd_;
      if (best) {
        best_fd_ = fd;
        model_->card().provenance["iterations"] = iteration_;
        model_->card().provenance["eval"] = {{"fd", fd}, {"n", config_.eval_n}, {"iteration", iteration_},
                                             {"features", config_.eval_features}};
        save_checkpoint(out_dir_ + "/checkpoints/best.safetensors", *model_);
      }
      log_event({{"iteration", iteration_}, {"event", "eval"}, {"fd", fd}, {"best_fd", best_fd_}, {"eval_n", config_.eval_n},
                 {"wall_s", wall_before_ + wall_now}});
      report_event("eval", best ? "new best -> checkpoints/best.safetensors" : "", fd, adam_->options().lr);
    }
    if (iteration_ % config_.checkpoint_every == 0 || iteration_ == config_.iters) {
      // Only a healthy state may become the rollback target.
      if (strikes == 0) save(latest_checkpoint(), wall_before_ + wall_now);
    }
  }
  wall_before_ += std::chrono::duration<double>(clock::now() - t0).count();
  save(latest_checkpoint(), wall_before_);
  save_checkpoint(out_dir_ + "/model.safetensors", *model_);
  return iteration_;
}

}  // namespace shortrun

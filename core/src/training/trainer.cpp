// The paper's maximum-likelihood loop, with run-directory bookkeeping and exact resume
// (all randomness is counter-based: batch indices, data noise, buffer draws, z and u_k derive
// from (seed, iteration), so the state to resume is weights + Adam + iteration, plus the EMA
// weights and the replay buffer, each in its own file beside the checkpoint).
#include "shortrun/training/trainer.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "shortrun/base/build_info.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/base/runtime.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/portable_path.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/weights_choice.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/noise.h"
#include "shortrun/training/contrastive_loss.h"
#include "shortrun/training/eval_protocol.h"
#include "shortrun/training/evaluation.h"
#include "shortrun/base/sha256.h"
#include "shortrun/training/features.h"
#include "shortrun/training/frechet.h"
#include "shortrun/training/long_run_health.h"

namespace shortrun {
namespace {
// Means of at most `bins` runs of consecutive values (bin i: [i·n/bins, (i+1)·n/bins)).
std::vector<double> bin_means(const std::vector<double>& v, size_t bins) {
  const size_t n = v.size(), b = std::min(n, bins);
  std::vector<double> out(b, 0.0);
  for (size_t i = 0; i < b; ++i) {
    const size_t lo = i * n / b, hi = (i + 1) * n / b;
    for (size_t k = lo; k < hi; ++k) out[i] += v[k];
    out[i] /= double(hi - lo);
  }
  return out;
}
// 0.05, 2, 1.5: a setting as the user typed it (std::to_string writes 2.000000).
std::string number_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
}  // namespace

void TrainerConfig::validate() const {
  arch.validate();
  sampler.validate();
  lr_schedule.validate();
  if (iters < 0) throw Error("iters must be >= 0");
  if (limit < 0) throw Error("limit must be >= 0 (0: all images)");
  if (batch < 1 || batch > 65536) throw Error("batch must be in 1..65536");
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("learning rate must be a positive number");
  if (!(data_noise >= 0)) throw Error("data noise must be >= 0");
  if (!(energy_l2 >= 0) || !(energy_l2 <= 100)) throw Error("energy L2 must be in 0..100");
  if (init != "uniform" && init != "gaussian" && init != "data" && init != "persistent")
    throw Error("--init must be uniform, gaussian, data or persistent, got '" + printable(init) + "'");
  if (!(reinit >= 0 && reinit <= 1))
    throw Error("--reinit must be in 0..1 (the fraction of drawn chains re-initialised per iteration), got " + number_text(reinit));
  if (buffer < 1) throw Error("--buffer must be at least 1 chain (and at least --batch with --init persistent), got " + std::to_string(buffer));
  if (init == "persistent" && buffer < batch)
    throw Error("--buffer " + std::to_string(buffer) + " is smaller than --batch " + std::to_string(batch) +
                ": each iteration draws --batch distinct chains from the buffer");
  const double buffer_bytes = double(buffer) * double(arch.channels) * double(arch.image_size) * double(arch.image_size) * 4;
  if (init == "persistent" && buffer_bytes > 4.0 * (1LL << 30))
    throw Error("--buffer " + std::to_string(buffer) + " would take " + std::to_string(int64_t(buffer_bytes / (1 << 20))) +
                " MiB; at most 4 GiB of chains are kept");
  if (!(ema == 0 || (ema > 0 && ema < 1)))
    throw Error("--ema must be a decay in (0, 1), e.g. 0.999 (0: no EMA weights), got " + number_text(ema));
  if (log_every < 1 || sample_every < 1 || checkpoint_every < 1) throw Error("log/sample/checkpoint intervals must be >= 1");
  if (eval_every < 0 || eval_n < 2) throw Error("eval_every must be >= 0 and eval_n >= 2");
  if (eval_every > 0 && eval_features.empty()) throw Error("evaluation during training needs a feature net (eval_features)");
  if (long_run_every < 0) throw Error("--long-run-every must be >= 0 (0: no long runs), got " + std::to_string(long_run_every));
  if (long_run_every > 0 && (long_run_chains < 2 || long_run_chains > 4096))
    throw Error("--long-run-chains must be in 2..4096, got " + std::to_string(long_run_chains));
  if (long_run_every > 0 && (long_run_steps <= sampler.steps || long_run_steps > kMaxLongRunSteps))
    throw Error("--long-run-steps must exceed the short run's K = " + std::to_string(sampler.steps) + " and be at most " +
                std::to_string(kMaxLongRunSteps) + ", got " + std::to_string(long_run_steps));
  if (!(watch_gap > 0) || watch_patience < 1 || !(rollback_lr_factor > 0 && rollback_lr_factor < 1) || max_rollbacks < 0)
    throw Error("watchdog settings: watch_gap > 0, watch_patience >= 1, 0 < rollback_lr_factor < 1, max_rollbacks >= 0");
}

void to_json(nlohmann::json& j, const TrainerConfig& c) {
  j = {{"data", c.data},       {"limit", c.limit},        {"arch", c.arch},          {"sampler", c.sampler},     {"iters", c.iters},
       {"batch", c.batch},     {"lr", c.lr},              {"lr_schedule", c.lr_schedule.spec()}, {"beta1", c.beta1},         {"beta2", c.beta2},
       {"data_noise", c.data_noise}, {"seed", c.seed},    {"log_every", c.log_every}, {"sample_every", c.sample_every},
       {"checkpoint_every", c.checkpoint_every}, {"eval_every", c.eval_every}, {"eval_n", c.eval_n},
       {"eval_features", c.eval_features}, {"watchdog", c.watchdog}, {"watch_gap", c.watch_gap},
       {"watch_patience", c.watch_patience}, {"rollback_lr_factor", c.rollback_lr_factor},
       {"max_rollbacks", c.max_rollbacks}, {"init_weights", c.init_weights}, {"energy_l2", c.energy_l2},
       {"init", c.init}, {"buffer", c.buffer}, {"reinit", c.reinit}, {"ema", c.ema},
       {"long_run_every", c.long_run_every}, {"long_run_steps", c.long_run_steps}, {"long_run_chains", c.long_run_chains}, {"preset", c.preset}};
}

void from_json(const nlohmann::json& j, TrainerConfig& c) {
  TrainerConfig d;
  c.data = json_get(j, "data", d.data);
  c.limit = json_get(j, "limit", d.limit);
  c.arch = j.at("arch").get<ArchSpec>();
  c.sampler = j.at("sampler").get<SamplerConfig>();
  c.iters = json_get(j, "iters", d.iters);
  c.batch = json_get(j, "batch", d.batch);
  c.lr = json_get(j, "lr", d.lr);
  c.lr_schedule = LrSchedule::parse(json_get(j, "lr_schedule", d.lr_schedule.spec()));
  c.beta1 = json_get(j, "beta1", d.beta1);
  c.beta2 = json_get(j, "beta2", d.beta2);
  c.data_noise = json_get(j, "data_noise", d.data_noise);
  c.seed = json_get(j, "seed", d.seed);
  c.log_every = json_get(j, "log_every", d.log_every);
  c.sample_every = json_get(j, "sample_every", d.sample_every);
  c.checkpoint_every = json_get(j, "checkpoint_every", d.checkpoint_every);
  c.eval_every = json_get(j, "eval_every", d.eval_every);
  c.eval_n = json_get(j, "eval_n", d.eval_n);
  c.eval_features = json_get(j, "eval_features", d.eval_features);
  c.watchdog = json_get(j, "watchdog", d.watchdog);
  c.watch_gap = json_get(j, "watch_gap", d.watch_gap);
  c.watch_patience = json_get(j, "watch_patience", d.watch_patience);
  c.rollback_lr_factor = json_get(j, "rollback_lr_factor", d.rollback_lr_factor);
  c.max_rollbacks = json_get(j, "max_rollbacks", d.max_rollbacks);
  c.init_weights = json_get(j, "init_weights", d.init_weights);
  c.energy_l2 = json_get(j, "energy_l2", 0.0);  // runs from before the penalty trained without it
  // Runs from before the chain starts and EMA started from the sampler's z and kept no EMA.
  c.init = json_get(j, "init", c.sampler.init);
  c.buffer = json_get(j, "buffer", d.buffer);
  c.reinit = json_get(j, "reinit", d.reinit);
  c.ema = json_get(j, "ema", 0.0);
  c.long_run_every = json_get(j, "long_run_every", d.long_run_every);
  c.long_run_steps = json_get(j, "long_run_steps", d.long_run_steps);
  c.long_run_chains = json_get(j, "long_run_chains", d.long_run_chains);
  c.preset = json_get(j, "preset", d.preset);
  c.validate();
}

Trainer::Trainer(TrainerConfig config, std::string out_dir, torch::Device device)
    : Trainer(std::move(config), std::move(out_dir), device, true) {}

Trainer::Trainer(TrainerConfig config, std::string out_dir, torch::Device device, bool fresh)
    : config_(std::move(config)), out_dir_(std::move(out_dir)), device_(device) {
  config_.validate();
  // uniform and gaussian are the sampler's own z; data and persistent re-initialise from uniform.
  config_.sampler.init = config_.init == "gaussian" ? "gaussian" : "uniform";
  if (config_.lr_schedule.kind == "cosine" && config_.lr_schedule.horizon == 0)
    config_.lr_schedule.horizon = std::max<int64_t>(1, config_.iters);
  dp_ = DataParallel::join(config_.batch, config_.init, stored_config().dump());  // every rank, before any file
  files_ = RunFiles(out_dir_, dp_.writer());
  if (fresh) files_.create(config_file(), false);
  else files_.reopen();
  torch::manual_seed(config_.seed);  // weight init
  model_ = std::make_unique<NativeEnergyModel>(config_.arch);
  if (fresh && !config_.init_weights.empty()) warm_start(config_.init_weights);
  model_->to(device_);
  if (config_.ema > 0) ema_ = std::make_unique<EmaWeights>(*model_, config_.ema, device_);
  if (config_.init == "persistent")
    buffer_ = std::make_unique<ReplayBuffer>(config_.buffer, model_->shape(), CounterNoise(config_.seed), device_);
  ModelCard& card = model_->card();
  card.sampler = config_.sampler;
  card.provenance = {{"trainer", stored_config()}, {"torch_version", torch_version()}, {"build", build_json()}};
  adam_ = std::make_unique<Adam>(model_->parameters(), AdamOptions{config_.lr, config_.beta1, config_.beta2, 1e-8});
}

void Trainer::warm_start(const std::string& path) {
  LoadedCheckpoint start = load_checkpoint(path, torch::kCPU);
  const nlohmann::json want = config_.arch, have = start.model->card().arch ? nlohmann::json(*start.model->card().arch) : nlohmann::json();
  if (want != have)
    throw file_error(path, "has architecture " + (have.is_null() ? std::string("(not recorded)") : have.dump()) +
                               ", the run asks for " + want.dump() + " (set --nf/--arch/--activation/--image-size to match)");
  model_->load_named_parameters(start.model->named_parameters(), path);
}

Trainer Trainer::resume(const std::string& out_dir, torch::Device device) {
  const std::string cfg_path = out_dir + "/config.json";
  TrainerConfig config;
  read_run_config(out_dir, [&](const nlohmann::json& j) {
    config = j.get<TrainerConfig>();
    config.data = resolve_data_spec(config.data, out_dir);
    config.eval_features = resolve_portable_path(config.eval_features, out_dir);
    config.init_weights = resolve_portable_path(config.init_weights, out_dir);
  });
  Trainer t(config, out_dir, device, false);
  {  // A data-parallel run resumed with another number of ranks: config.json says so.
    std::ifstream in(cfg_path);
    const nlohmann::json stored = nlohmann::json::parse(in, nullptr, false);
    const int64_t world = t.dp_.group ? t.dp_.group->world() : 1;
    if (stored.is_object() && json_get(stored, "world_size", int64_t(1)) != world) t.files_.write_config(t.config_file());
  }
  t.restore_generation(0);
  t.wall_before_ = t.trim_metrics();
  const std::string threads = thread_count_warning(t.trained_threads_, "oneDNN's sums then round differently, so ");
  if (!threads.empty()) t.warnings_.push_back(threads);
  return t;
}

std::string Trainer::restore_generation(int first) {
  return files_.restore_newest(first, [this](const std::string& path) { restore(path); }, warnings_);
}

void Trainer::restore(const std::string& ckpt) {
  LoadedCheckpoint loaded = load_checkpoint(ckpt, device_);
  if (!loaded.model->card().arch || loaded.model->card().arch->summary() != config_.arch.summary())
    throw NotThisRun(file_error(ckpt, "architecture (" + (loaded.model->card().arch ? loaded.model->card().arch->summary() : "?") +
                                          ") differs from the run's config (" + config_.arch.summary() + ")")
                         .what());
  // Everything is checked before any of it replaces the current state.
  int64_t iteration = -1, rollbacks = 0, threads = 0;
  double lr = adam_->options().lr, best_fd = INFINITY;
  Running acc;
  LrSchedule schedule = config_.lr_schedule;
  NamedTensors adam_state;
  int64_t ema_digest = -1, buffer_digest = -1;  // of the companion files saved with this checkpoint
  for (const auto& [name, tensor] : loaded.train_state) {
    const bool scalar = tensor.numel() == 1;
    if (tensor.is_floating_point() && torch::isnan(tensor).any().item<bool>())
      throw file_error(ckpt, "training state '" + name + "' contains NaN");
    if (name != "best_fd" && tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
      throw file_error(ckpt, "training state '" + name + "' contains Inf");
    const auto int_of = [&] {
      if (!scalar) throw file_error(ckpt, "training state '" + name + "' is not a single number");
      return tensor.item<int64_t>();
    };
    const auto real_of = [&] {
      if (!scalar) throw file_error(ckpt, "training state '" + name + "' is not a single number");
      return tensor.item<double>();
    };
    if (name == "iteration") iteration = int_of();
    else if (name == "lr") lr = real_of();
    else if (name == "best_fd") best_fd = real_of();
    else if (name == "rollbacks") rollbacks = int_of();
    else if (name == "threads") threads = int_of();
    else if (name == "acc_f_data") acc.f_data = real_of();
    else if (name == "acc_f_samples") acc.f_samples = real_of();
    else if (name == "acc_grad") acc.grad = real_of();
    else if (name == "acc_n") acc.n = int_of();
    else if (name == "strikes") acc.strikes = int_of();
    else if (name == "lr_schedule_kind") {
      const int64_t k = int_of();
      if (k < 0 || k > 2) throw file_error(ckpt, "training state 'lr_schedule_kind' is " + std::to_string(k) + "; expected 0, 1 or 2");
      schedule.kind = k == 0 ? "constant" : k == 1 ? "cosine" : "step";
    } else if (name == "lr_schedule_horizon") schedule.horizon = int_of();
    else if (name == "lr_schedule_every") schedule.every = int_of();
    else if (name == "lr_schedule_factor") schedule.factor = real_of();
    else if (name == "wall_s") continue;  // older checkpoints kept wall time; it now lives in metrics.jsonl
    else if (name == "ema_digest") ema_digest = int_of();
    else if (name == "buffer_digest") buffer_digest = int_of();
    else adam_state.emplace_back(name, tensor.to(device_));
  }
  if (iteration < 0) throw file_error(ckpt, "training state has no valid iteration (expected a count >= 0)");
  if (!(lr > 0)) throw file_error(ckpt, "training state has learning rate " + std::to_string(lr) + "; expected > 0");
  if (rollbacks < 0 || acc.n < 0 || acc.strikes < 0 || threads < 0 || acc.n > config_.log_every)
    throw file_error(ckpt, "training state counters are out of range (rollbacks, running sums, strikes, threads)");
  try {
    schedule.validate();
  } catch (const Error& e) {
    throw file_error(ckpt, e.what());
  }
  // The companion files: present, intact, of this run's shape, and the very ones saved with ckpt.
  NamedTensors ema_weights;
  if (ema_) {
    const std::string path = companion_path(ckpt, "ema");
    if (!file_exists(path)) throw file_error(path, "missing: this run (--ema) keeps EMA weights beside every checkpoint");
    ema_weights = ema_->read(path);
    if (ema_digest < 0 || tensors_crc32(ema_weights) != ema_digest)
      throw file_error(path, "is not the EMA file saved with " + ckpt + " (its digest differs from the one the checkpoint recorded)");
  }
  ReplayBuffer buffer;
  if (buffer_) {
    const std::string path = companion_path(ckpt, "buffer");
    if (!file_exists(path)) throw file_error(path, "missing: this run (--init persistent) keeps its replay buffer beside every checkpoint");
    bool other_run = false;
    try {
      buffer = ReplayBuffer::load(path, config_.buffer, model_->shape(), device_, &other_run);
    } catch (const Error& e) {
      if (other_run) throw NotThisRun(e.what());
      throw;
    }
    if (buffer_digest < 0 || buffer.digest() != buffer_digest)
      throw file_error(path, "is not the replay buffer saved with " + ckpt + " (its digest differs from the one the checkpoint recorded)");
  }
  model_->load_named_parameters(loaded.model->named_parameters(), ckpt);
  adam_->load_state(adam_state, ckpt);
  if (ema_) ema_->install(ema_weights, companion_path(ckpt, "ema"));
  if (buffer_) *buffer_ = std::move(buffer);
  model_->card() = loaded.model->card();
  iteration_ = iteration;
  adam_->options().lr = lr;
  best_fd_ = best_fd;
  rollbacks_ = rollbacks;
  trained_threads_ = threads;
  acc_ = acc;
  config_.lr_schedule = schedule;  // the checkpoint's schedule is the run's (exact resume)
}

double Trainer::trim_metrics() {
  const RunFiles::Trimmed t = files_.trim_metrics(iteration_, config_.iters);
  checkpoint_logged_at_ = t.checkpoint_logged ? iteration_ : -1;
  return t.wall_s;
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
  trim_metrics();  // a partial last line of the shorter run goes: the extended run logs on cadence
  // A restored card carries the settings the run started with; checkpoints say what it runs with now.
  if (model_) model_->card().provenance["trainer"] = stored_config();
  files_.write_config(config_file());
}

void Trainer::set_limit(int64_t limit) {
  if (limit < 0) throw Error("--limit must be >= 0");
  config_.limit = limit;
  if (model_) model_->card().provenance["trainer"] = stored_config();
  files_.write_config(config_file());
}

nlohmann::json Trainer::stored_config() const {
  nlohmann::json j = config_;
  j["data"] = portable_data_spec(config_.data, out_dir_);
  j["eval_features"] = portable_path(config_.eval_features, out_dir_);
  j["init_weights"] = portable_path(config_.init_weights, out_dir_);
  return j;
}

nlohmann::json Trainer::config_file() const {
  nlohmann::json cfg = stored_config();
  cfg["torch_version"] = torch_version();
  cfg["world_size"] = dp_.group ? dp_.group->world() : 1;  // data-parallel ranks (issue 27), for the explorer
  return cfg;
}

std::string Trainer::latest_checkpoint() const { return files_.latest(); }

void Trainer::save(const std::string& path, bool rotate) {
  NamedTensors state = adam_->state();
  for (const auto& [name, t] : model_->named_parameters())
    if (!torch::isfinite(t).all().item<bool>())
      throw Error("weight '" + name + "' turned non-finite at iteration " + std::to_string(iteration_) +
                  "; not saved (the last good state is " + latest_checkpoint() + ")");
  for (const auto& [name, t] : state)
    if (!torch::isfinite(t).all().item<bool>())
      throw Error("optimizer state '" + name + "' turned non-finite at iteration " + std::to_string(iteration_) +
                  "; not saved (the last good state is " + latest_checkpoint() + ")");
  state.emplace_back("iteration", torch::tensor(iteration_, torch::kInt64));
  state.emplace_back("lr", torch::tensor(adam_->options().lr, torch::kFloat64));
  state.emplace_back("best_fd", torch::tensor(best_fd_, torch::kFloat64));
  state.emplace_back("rollbacks", torch::tensor(rollbacks_, torch::kInt64));
  state.emplace_back("threads", torch::tensor(int64_t(torch::get_num_threads()), torch::kInt64));
  state.emplace_back("acc_f_data", torch::tensor(acc_.f_data, torch::kFloat64));
  state.emplace_back("acc_f_samples", torch::tensor(acc_.f_samples, torch::kFloat64));
  state.emplace_back("acc_grad", torch::tensor(acc_.grad, torch::kFloat64));
  state.emplace_back("acc_n", torch::tensor(acc_.n, torch::kInt64));
  state.emplace_back("strikes", torch::tensor(acc_.strikes, torch::kInt64));
  const LrSchedule& ls = config_.lr_schedule;
  state.emplace_back("lr_schedule_kind", torch::tensor(int64_t(ls.kind == "cosine" ? 1 : ls.kind == "step" ? 2 : 0), torch::kInt64));
  state.emplace_back("lr_schedule_horizon", torch::tensor(ls.horizon, torch::kInt64));
  state.emplace_back("lr_schedule_every", torch::tensor(ls.every, torch::kInt64));
  state.emplace_back("lr_schedule_factor", torch::tensor(ls.factor, torch::kFloat64));
  if (ema_) state.emplace_back("ema_digest", torch::tensor(ema_->digest(), torch::kInt64));
  if (buffer_) state.emplace_back("buffer_digest", torch::tensor(buffer_->digest(), torch::kInt64));
  model_->card().provenance["iterations"] = iteration_;
  if (!dp_.writer()) return;  // the other ranks hold the same state; rank 0 writes it
  // A generation moves with its companions; the digests above tell a mismatched pair apart
  // should a crash fall between these renames.
  if (rotate) files_.rotate(path, {"ema", "buffer"});
  // Companions first: a checkpoint on disk always finds its own.
  if (ema_) ema_->save(companion_path(path, "ema"), model_->card(), iteration_);
  if (buffer_) buffer_->save(companion_path(path, "buffer"));
  save_checkpoint(path, *model_, state);
}

void Trainer::log_long_run(FeatureExtractor* features, const GaussianStats& test_stats,
                           const std::function<void(const TrainProgress&)>& on_log) {
  // Its own chains and noise (seed + kLongRunSeedOffset): the training chains, batches and
  // weights never see it, so a run with long runs trains exactly as one without.
  SamplerConfig s = config_.sampler;
  s.seed = config_.seed + kLongRunSeedOffset;
  const LongRunHealth h = long_run_health(*model_, s, 0, config_.long_run_chains, config_.long_run_steps);
  nlohmann::json line = {{"event", "long_run"}, {"iteration", iteration_}};
  line.update(to_json(h));
  const auto fd_of = [&](const torch::Tensor& x) -> nlohmann::json {
    if (!features) return nullptr;
    const double fd = frechet_distance(gaussian_stats(features->features(x.to(device_))), test_stats);
    return std::isfinite(fd) ? nlohmann::json(fd) : nlohmann::json();
  };
  line["fd_short"] = fd_of(h.x_short);
  line["fd_long"] = fd_of(h.x_long);
  const double seconds = h.seconds;
  line.erase("seconds");
  line["seconds"] = seconds;  // last, with the FDs' time left out: the long run's own cost
  files_.log(line);
  if (on_log) {
    TrainProgress p;
    p.iteration = iteration_;
    p.iters = config_.iters;
    p.event = "long_run";
    char msg[256];
    std::snprintf(msg, sizeof msg, "K=%lld -> K2=%lld, %lld chains: mean f %.4g -> %.4g (drift %.4g, p10 %.4g, p90 %.4g), "
                  "saturated %.4f -> %.4f%s (%.1f s)",
                  static_cast<long long>(h.k), static_cast<long long>(h.k2), static_cast<long long>(h.chains), h.energy_short_mean,
                  h.energy_long_mean, h.drift, h.drift_p10, h.drift_p90, h.saturated_short, h.saturated_long,
                  line["fd_short"].is_number() ? (", FD " + std::to_string(line["fd_short"].get<double>()) + " -> " +
                                                  (line["fd_long"].is_number() ? std::to_string(line["fd_long"].get<double>()) : "n/a")).c_str()
                                               : "",
                  h.seconds);
    p.message = msg;
    on_log(p);
  }
}

void Trainer::write_sample_grid(const torch::Tensor& samples) {
  if (!dp_.writer()) return;
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
    // A GPU: one batch, fastest. A CPU: the sampler's chunks, which `--parallel` can hand to
    // the threads whole (chain i's result does not depend on the chunking: parallel_plan.h).
    if (!device_.is_cpu()) s.chunk = 0;
    return s;
  }());
  model_->train(true);
  dp_.broadcast_from_writer(model_->parameters());  // identical start on every rank (a no-op alone)

  // Evaluation: the test split's feature statistics are computed once.
  std::unique_ptr<FeatureExtractor> features;
  GaussianStats test_stats;
  nlohmann::json eval_protocol;
  SamplerConfig eval_sampler = config_.sampler;
  eval_sampler.seed = config_.seed + 7919;  // fixed chains, apart from the training chains' noise
  // Long runs measure FD too when the run has a feature net (as --eval-every does).
  const bool long_run_fd = config_.long_run_every > 0 && !config_.eval_features.empty();
  if (config_.eval_every > 0 || long_run_fd) {
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
    std::string split = "test";
    if (!test.defined() || test.size(0) < config_.eval_n) {
      test = data.images.narrow(0, 0, std::min(config_.eval_n, n_data));
      split = "train";
    }
    test_stats = gaussian_stats(features->features(test));
    // The protocol every eval line carries (the same fields as `shortrun eval`'s, training/eval_protocol.h).
    EvalProtocolCore p;
    p.n = config_.eval_n;
    p.reference_split = split;
    p.reference_count = test.size(0);
    p.reference_sha256 = tensor_sha256(test);
    p.features_name = features->description();
    p.features_path = portable_path(config_.eval_features, out_dir_);
    p.features_sha256 = sha256_file(config_.eval_features);
    p.sampler = eval_sampler;
    p.weights = "raw";
    p.device = device_.str();
    eval_protocol = eval_protocol_json(p);
  }
  // The watchdog rolls back to latest.safetensors: there is always one, and it is only written
  // while the run is healthy.
  if (!file_exists(latest_checkpoint())) save(latest_checkpoint(), false);
  for (const std::string& w : warnings_) {
    files_.log({{"iteration", iteration_}, {"event", "warning"}, {"message", w}});
    if (on_log) {
      TrainProgress p;
      p.iteration = iteration_;
      p.iters = config_.iters;
      p.event = "warning";
      p.message = w;
      on_log(p);
    }
  }
  warnings_.clear();

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last_log = t0;
  int64_t last_log_iter = iteration_;
  int64_t& strikes = acc_.strikes;
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
    const double lr = adam_->options().lr * config_.rollback_lr_factor, best = best_fd_;
    // Diverging again before any new checkpoint means the target itself is bad (a poisoned
    // file, say): go one generation further back each time.
    const std::string target = restore_generation(static_cast<int>(std::min<int64_t>(rollback_depth_, RunFiles::kGenerations - 1)));
    ++rollback_depth_;
    best_fd_ = best;  // best.safetensors is not rolled back
    adam_->options().lr = lr;
    rollbacks_ = rollbacks;
    trim_metrics();
    const std::string msg = reason + " at iteration " + std::to_string(from) + ": rolled back to iteration " +
                            std::to_string(iteration_) + ", learning rate now " + std::to_string(lr) +
                            (target == latest_checkpoint() ? "" : " (from " + target + ")");
    acc_ = Running{};
    files_.log({{"iteration", iteration_}, {"event", "rollback"}, {"from_iteration", from}, {"reason", reason},
               {"lr", lr}, {"rollbacks", rollbacks_}, {"wall_s", wall_total()}});
    save(latest_checkpoint(), false);  // the lower rate and the count survive a restart
    last_log = clock::now();
    last_log_iter = iteration_;
    report_event("rollback", msg, NAN, lr);
  };

  // Health is judged on the weights that get saved: iteration it's energies come from θ_it, the
  // weights after it Adam steps, so θ_it is checkpointed (if due and healthy) right after they
  // are measured and before its own step. The state after the last step is judged the same way
  // by one more sampling pass, so even the final checkpoint is a measured one.
  int64_t saved_at = iteration_;
  while (true) {
    const bool stopping = dp_.any(stop && stop->load());  // every rank stops at the same iteration
    const int64_t it = iteration_;
    const bool finishing = it >= config_.iters;
    if (stopping && !finishing) break;  // stop: keep the last checkpoint cadence, save below
    // This rank's slice of the batch (all of it in one process), with global chain indices.
    const int64_t nb = dp_.slice.size;
    const torch::Tensor chains = chain_range(it * config_.batch + dp_.slice.begin, nb, device_);
    // Data batch: indices and noise are functions of (seed, iteration).
    const torch::Tensor idx =
        noise.bits(torch::full({1}, it, torch::kInt64), 0, static_cast<int64_t>(NoiseStream::kBatch), config_.batch)
            .remainder(n_data).reshape({-1}).narrow(0, dp_.slice.begin, nb).to(device_);
    torch::Tensor x_data = images.index_select(0, idx);
    if (config_.data_noise > 0) x_data = x_data + config_.data_noise * noise.normal(chains, 0, NoiseStream::kData, shape.chw());

    // A run's last iteration is always logged; off the cadence that line is "partial": it keeps
    // the running sums and strikes, so an extended run (--resume --iters) logs as if uninterrupted.
    const bool on_cadence = !finishing && (it + 1) % config_.log_every == 0;
    const bool partial = !finishing && !on_cadence && it + 1 == config_.iters;
    const bool log_now = on_cadence || partial;
    double grad_sum = 0;
    int64_t grad_n = 0;
    StepObserver observer = nullptr;
    // Anatomy diagnostics of this iteration's chain, from the observer (no extra sampling).
    const int64_t K = config_.sampler.steps;
    double grad_at[3] = {NAN, NAN, NAN};
    std::vector<double> step_norms;
    std::vector<double> step_grads;  // this rank's mean ‖∇f(x_k)‖ per observed step, reduced below
    std::vector<int64_t> step_ids;
    if (log_now)
      observer = [&](const StepInfo& s) {
        step_grads.push_back(s.grad_norm.mean().item<double>());
        step_ids.push_back(s.step);
        if (s.delta.defined()) step_norms.push_back(s.delta.flatten(1).norm(2, 1).mean().item<double>());
      };
    // The chains' starts (--init): the sampler's own z, the data batch, or the replay buffer.
    std::optional<torch::Tensor> x0;
    std::optional<BufferDraw> draw;
    if (config_.init == "data") x0 = x_data;
    if (buffer_) {
      draw = buffer_->draw(it, it * config_.batch, config_.batch, config_.reinit, noise);
      x0 = buffer_->start(*draw, sampler.initial_state(chains));
    }
    const SampleResult samples = sampler.run(chains, x0, observer);
    if (log_now) {
      step_grads = dp_.means(step_grads, "diagnostics reduction");
      step_norms = dp_.means(step_norms, "diagnostics reduction");
      for (size_t i = 0; i < step_grads.size(); ++i) {
        const double g = step_grads[i];
        grad_sum += g;
        ++grad_n;
        if (step_ids[i] == 0) grad_at[0] = g;
        if (step_ids[i] == K / 2) grad_at[1] = g;
        if (step_ids[i] == K) grad_at[2] = g;
      }
    }

    // Data and samples in two forward passes, not one of both: a parameter that moves f(data) and
    // f(samples) alike (a last-layer unit in one LeakyReLU regime for every input) then gets a
    // gradient of exactly 0 = S - S, not the rounding residue of summing +S and -S terms mixed,
    // which Adam (scale-free) would turn into a step of up to lr in a direction rounding picks,
    // different for every summation order (thread count, data-parallel ranks).
    torch::Tensor f = torch::cat({model_->energy(x_data), model_->energy(samples.x.detach())});
    if (inject_nonfinite_at_ == it) {  // test hook: a divergence that does not depend on rounding
      inject_nonfinite_at_ = -1;
      f = torch::cat({f.narrow(0, 0, nb), f.narrow(0, nb, nb) + std::numeric_limits<double>::quiet_NaN()});
    }
    const torch::Tensor f_data = f.narrow(0, 0, nb).mean(), f_samp = f.narrow(0, nb, nb).mean();
    const torch::Tensor loss = contrastive_loss(f, nb, config_.energy_l2);
    const std::vector<double> f_means = dp_.means({f_data.item<double>(), f_samp.item<double>()}, "energy reduction");
    const double fd_value = f_means[0], fs_value = f_means[1];
    const bool finite = std::isfinite(fd_value) && std::isfinite(fs_value);
    if (config_.watchdog && !finite) {
      roll_back("non-finite energy");
      saved_at = iteration_;
      continue;
    }
    // θ_it has just been measured on a batch: it may become the rollback target.
    const double gap_now = fd_value - fs_value;
    const bool calm = finite && std::fabs(gap_now) <= config_.watch_gap;
    const bool healthy = calm && strikes == 0;
    const double wall_now = std::chrono::duration<double>(clock::now() - t0).count();
    if (finishing) {
      if (config_.watchdog && !calm && !stopping) {
        char reason[96];
        std::snprintf(reason, sizeof reason, "final weights: |f(data) - f(samples)| = %.3g above %.3g",
                      std::fabs(gap_now), config_.watch_gap);
        roll_back(reason);
        saved_at = iteration_;
        continue;
      }
      break;
    }
    const bool checkpoint_due = it > 0 && it % config_.checkpoint_every == 0 && (healthy || !config_.watchdog);
    if (checkpoint_due && it != saved_at) {
      save(latest_checkpoint(), true);
      saved_at = it;
      rollback_depth_ = 0;
      checkpoint_logged_at_ = it;
      files_.log({{"iteration", it}, {"event", "checkpoint"}, {"gap", gap_now}, {"healthy", healthy}});
    } else if (checkpoint_due && checkpoint_logged_at_ != it) {
      // Continued from a checkpoint of this very iteration that was saved at the end of a shorter
      // run (or at a stop) without its event: the straight run logs it here, so log it here too.
      checkpoint_logged_at_ = it;
      files_.log({{"iteration", it}, {"event", "checkpoint"}, {"gap", gap_now}, {"healthy", healthy}});
    }
    adam_->zero_grad();
    dp_.backward(loss, model_->parameters());  // the global batch's gradient on every rank (overlapped)
    const double base_lr = adam_->options().lr, lr_now = base_lr * config_.lr_schedule.multiplier(it);
    adam_->options().lr = lr_now;
    adam_->step();
    adam_->options().lr = base_lr;  // the checkpoint keeps the base rate (the watchdog scales it)
    iteration_ = it + 1;
    if (ema_) ema_->update(*model_, it);
    if (chain_observer_)
      chain_observer_(it, x0 ? *x0 : sampler.initial_state(chains), samples.x, draw ? &*draw : nullptr);
    if (buffer_) buffer_->write_back(*draw, samples.x);

    acc_.f_data += fd_value;
    acc_.f_samples += fs_value;
    ++acc_.n;
    if (grad_n) acc_.grad = grad_sum / grad_n;

    if (log_now) {
      const double dt = std::chrono::duration<double>(clock::now() - last_log).count();
      TrainProgress p;
      p.iteration = iteration_;
      p.iters = config_.iters;
      p.f_data = acc_.f_data / acc_.n;
      p.f_samples = acc_.f_samples / acc_.n;
      p.grad_norm = acc_.grad;
      p.its_per_s = dt > 0 ? (iteration_ - last_log_iter) / dt : 0;
      p.eta_s = p.its_per_s > 0 ? (config_.iters - iteration_) / p.its_per_s : 0;
      p.wall_s = wall_before_ + wall_now;
      p.lr = lr_now;
      p.grad_norm_start = grad_at[0];
      p.grad_norm_mid = grad_at[1];
      p.grad_norm_end = grad_at[2];
      p.saturated = dp_.means({(samples.x.abs() >= 0.99).to(torch::kFloat64).mean().item<double>()}, "diagnostics reduction")[0];
      p.step_norm_profile = bin_means(step_norms, 16);
      const double gap = p.f_data - p.f_samples;
      nlohmann::json m = {{"iteration", p.iteration}, {"wall_s", p.wall_s},       {"f_data", p.f_data},
                          {"f_samples", p.f_samples}, {"gap", gap},               {"grad_norm", p.grad_norm},
                          {"lr", p.lr},               {"its_per_s", p.its_per_s}};
      const auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
      m["grad_norm_k"] = {finite_or_null(p.grad_norm_start), finite_or_null(p.grad_norm_mid), finite_or_null(p.grad_norm_end)};
      m["step_norm_profile"] = nlohmann::json::array();
      for (double v : p.step_norm_profile) m["step_norm_profile"].push_back(finite_or_null(v));
      m["saturated"] = finite_or_null(p.saturated);
      if (buffer_) {
        p.buffer_mean_age = buffer_->mean_age();
        p.buffer_reinit = draw->reinit.sum().item<int64_t>();
        m["buffer"] = {{"mean_age", p.buffer_mean_age}, {"max_age", buffer_->max_age()}, {"reinit", p.buffer_reinit},
                       {"reinit_total", buffer_->reinit_total()}};
      }
      if (partial) m["partial"] = true;
      files_.log(m);
      if (on_log) on_log(p);
    }
    if (on_cadence) {
      const double gap = acc_.f_data / acc_.n - acc_.f_samples / acc_.n;
      last_log = clock::now();
      last_log_iter = iteration_;
      acc_.f_data = acc_.f_samples = 0;
      acc_.n = 0;
      const bool runaway = !std::isfinite(gap) || !std::isfinite(acc_.grad) || std::fabs(gap) > config_.watch_gap;
      strikes = runaway ? strikes + 1 : 0;
      if (config_.watchdog && strikes >= config_.watch_patience) {
        char reason[96];
        std::snprintf(reason, sizeof reason, "|f(data) - f(samples)| = %.3g above %.3g for %lld logs", std::fabs(gap),
                      config_.watch_gap, static_cast<long long>(strikes));
        roll_back(reason);
        saved_at = iteration_;
        continue;
      }
    }
    if (iteration_ % config_.sample_every == 0 || iteration_ == config_.iters) write_sample_grid(samples.x);
    if (config_.eval_every > 0 && features && strikes == 0 && (iteration_ % config_.eval_every == 0 || iteration_ == config_.iters)) {
      const double fd = sample_fd(*model_, eval_sampler, *features, &test_stats, torch::Tensor(), config_.eval_n);
      const bool best = fd < best_fd_;
      if (best) {
        best_fd_ = fd;
        model_->card().provenance["iterations"] = iteration_;
        model_->card().provenance["eval"] = {{"fd", fd}, {"n", config_.eval_n}, {"iteration", iteration_},
                                             {"features", portable_path(config_.eval_features, out_dir_)}};
        if (dp_.writer()) save_checkpoint(out_dir_ + "/checkpoints/best.safetensors", *model_);
      }
      files_.log({{"iteration", iteration_}, {"event", "eval"}, {"fd", fd}, {"best_fd", best_fd_}, {"eval_n", config_.eval_n},
                 {"wall_s", wall_before_ + wall_now}, {"protocol", eval_protocol}});
      report_event("eval", best ? "new best -> checkpoints/best.safetensors" : "", fd, adam_->options().lr);
    }
    if (config_.long_run_every > 0 && iteration_ % config_.long_run_every == 0) log_long_run(features.get(), test_stats, on_log);
  }
  wall_before_ += std::chrono::duration<double>(clock::now() - t0).count();
  if (iteration_ != saved_at || !file_exists(latest_checkpoint())) save(latest_checkpoint(), true);
  if (dp_.writer() && ema_) ema_->save(companion_path(out_dir_ + "/model.safetensors", "ema"), model_->card(), iteration_);
  if (dp_.writer()) save_checkpoint(out_dir_ + "/model.safetensors", *model_);
  return iteration_;
}

}  // namespace shortrun

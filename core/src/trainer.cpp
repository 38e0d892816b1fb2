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
}

void to_json(nlohmann::json& j, const TrainerConfig& c) {
  j = {{"data", c.data},       {"arch", c.arch},          {"sampler", c.sampler},     {"iters", c.iters},
       {"batch", c.batch},     {"lr", c.lr},              {"beta1", c.beta1},         {"beta2", c.beta2},
       {"data_noise", c.data_noise}, {"seed", c.seed},    {"log_every", c.log_every}, {"sample_every", c.sample_every},
       {"checkpoint_every", c.checkpoint_every}};
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
  LoadedCheckpoint loaded = load_checkpoint(ckpt, device);
  if (!loaded.model->card().arch || loaded.model->card().arch->summary() != config.arch.summary())
    throw file_error(ckpt, "architecture (" + (loaded.model->card().arch ? loaded.model->card().arch->summary() : "?") +
                               ") differs from the run's config (" + config.arch.summary() + ")");
  t.model_->load_named_parameters(loaded.model->named_parameters(), ckpt);
  t.model_->card() = loaded.model->card();
  NamedTensors adam_state;
  for (const auto& [name, tensor] : loaded.train_state) {
    if (name == "iteration") t.iteration_ = tensor.item<int64_t>();
    else if (name == "wall_s") t.wall_before_ = tensor.item<double>();
    else adam_state.emplace_back(name, tensor.to(device));
  }
  t.adam_->load_state(adam_state, ckpt);
  // Drop metrics logged after the checkpoint: those iterations will run again.
  const std::string metrics = out_dir + "/metrics.jsonl";
  std::ifstream in(metrics);
  std::string line, kept;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).value("iteration", int64_t(0)) <= t.iteration_) kept += line + "\n";
    } catch (const std::exception&) {
    }
  }
  in.close();
  write_file_atomic(metrics, [&](std::ostream& o) { o << kept; });
  return t;
}

std::string Trainer::latest_checkpoint() const { return out_dir_ + "/checkpoints/latest.safetensors"; }

void Trainer::save(const std::string& path, double wall_s) {
  NamedTensors state = adam_->state();
  state.emplace_back("iteration", torch::tensor(iteration_, torch::kInt64));
  state.emplace_back("wall_s", torch::tensor(wall_s, torch::kFloat64));
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

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last_log = t0;
  int64_t last_log_iter = iteration_;
  double f_data_acc = 0, f_samp_acc = 0, grad_acc = 0;
  int64_t acc_n = 0;
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
    adam_->zero_grad();
    loss.backward();
    adam_->step();
    iteration_ = it + 1;

    f_data_acc += f_data.item<double>();
    f_samp_acc += f_samp.item<double>();
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
      nlohmann::json m = {{"iteration", p.iteration}, {"wall_s", p.wall_s},       {"f_data", p.f_data},
                          {"f_samples", p.f_samples}, {"gap", p.f_data - p.f_samples}, {"grad_norm", p.grad_norm},
                          {"lr", adam_->options().lr}, {"its_per_s", p.its_per_s}};
      std::ofstream(out_dir_ + "/metrics.jsonl", std::ios::app) << m.dump() << "\n";
      if (on_log) on_log(p);
      last_log = clock::now();
      last_log_iter = iteration_;
      f_data_acc = f_samp_acc = 0;
      acc_n = 0;
    }
    if (iteration_ % config_.sample_every == 0 || iteration_ == config_.iters) write_sample_grid(samples.x);
    if (iteration_ % config_.checkpoint_every == 0 || iteration_ == config_.iters) {
      save(latest_checkpoint(), wall_before_ + wall_now);
    }
  }
  wall_before_ += std::chrono::duration<double>(clock::now() - t0).count();
  save(latest_checkpoint(), wall_before_);
  save_checkpoint(out_dir_ + "/model.safetensors", *model_);
  return iteration_;
}

}  // namespace shortrun

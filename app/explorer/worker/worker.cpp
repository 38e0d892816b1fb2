// The torch worker thread: a queue of jobs, each superseding older jobs of its kind, run one
// at a time against the loaded model; results are published as snapshots (snapshots.h).
#include "worker/worker.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "shortrun/analysis/interpolation.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"
#include "shortrun/base/runtime.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/generators/baseline_generator.h"
#include "shortrun/generators/ebm_generator.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/image_io.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/parallel_plan.h"
#include "shortrun/sampling/precision.h"
#include "worker/export_jobs.h"
#include "worker/host_copy.h"
#include "worker/job_loop.h"
#include "worker/jobs_text.h"
#include "worker/run_cost.h"
#include "worker/sampler_settings.h"
#include "worker/weights_pick.h"

namespace shortrun::explorer {

nlohmann::json settings_json(const SamplerSettings& s) {
  return {{"steps", s.steps},         {"step_size", s.step_size}, {"noise_std", s.noise_std}, {"init", s.init},
          {"seed", s.seed},           {"clamp", s.clamp},         {"chains", s.chains},       {"precision", s.precision},
          {"mala", s.mala},           {"temperature", s.temperature}};
}

struct Worker::Torch {
  std::unique_ptr<EnergyModel> model;
  std::unique_ptr<BaselineModel> baseline;  // a VAE or GAN loaded instead of an energy model
  std::shared_ptr<const ModelInfo> info;
  torch::Device device = torch::kCPU;
  // The loaded model as a Generator (generators/generator.h): interpolation and reconstruction
  // have one code path for the three kinds. An EBM's chain runs under `settings` (one chain per
  // evaluation when `one_chain`: the live image of a drag).
  std::unique_ptr<Generator> generator(const SamplerSettings& settings, bool one_chain = false) {
    if (baseline) return std::make_unique<BaselineGenerator>(*baseline);
    if (!model) throw Error("no model loaded");
    SamplerConfig cfg = sampler_config(*model, settings);
    if (one_chain) cfg.chunk = 1;
    return std::make_unique<EbmGenerator>(*model, cfg);
  }
  // The energy model, for what only an EBM has (Langevin chains, f(x)).
  EnergyModel& energy_model(const std::string& what) {
    if (model) return *model;
    if (baseline)
      throw Error(what + " needs an energy model; the loaded " + baseline->kind_name() + " (" + info->path +
                  ") is a generator with no energy");
    throw Error("no model loaded");
  }
};

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// host NHWC floats -> [N,C,H,W] on device.
torch::Tensor from_nhwc(const std::vector<float>& v, const ImageShape& s, torch::Device device) {
  return torch::from_blob(const_cast<float*>(v.data()), {s.n, s.h, s.w, s.c}, torch::kFloat32)
      .permute({0, 3, 1, 2})
      .contiguous()
      .to(device);
}

// The precision modes `device` can run (check_precision's rules): exact always, tf32 on CUDA,
// bf16 on CUDA or a CPU with native bf16.
std::vector<std::string> supported_precisions(torch::Device device) {
  std::vector<std::string> modes{"exact"};
  for (const char* m : {"tf32", "bf16"}) {
    try {
      check_precision(m, device);
      modes.push_back(m);
    } catch (const std::exception&) {
    }
  }
  return modes;
}

std::string arch_line(const ModelCard& card) {
  if (!card.arch) return card.source + " (architecture not recorded)";
  const ArchSpec& a = *card.arch;
  return a.kind + " n_f=" + std::to_string(a.nf) + " " + a.activation + ", " + card.shape.str();
}

// f over up to 64 images of the data the model was trained on (or Fashion-MNIST for 1×32×32).
DataBand data_band(EnergyModel& model) {
  DataBand band;
  std::string spec;
  const nlohmann::json& prov = model.card().provenance;
  if (prov.contains("trainer") && prov["trainer"].contains("data")) spec = prov["trainer"]["data"].get<std::string>();
  const DataShape& shape = model.shape();
  if (spec.empty() && shape.channels == 1 && shape.height == 32) spec = "fashion-mnist";
  if (spec.empty()) {
    band.note = "no data band: the checkpoint does not say which data it was trained on";
    return band;
  }
  try {
    DataOptions opts;
    opts.split = (spec == "fashion-mnist" || spec.rfind("cifar10:", 0) == 0) ? "test" : "train";
    opts.image_size = shape.height;
    opts.limit = 64;
    const Dataset data = load_dataset(spec, opts);
    if (data.images.size(1) != shape.channels) throw Error("data has " + std::to_string(data.images.size(1)) + " channels");
    torch::NoGradGuard no_grad;
    const torch::Tensor f = model.energy(data.images.to(model.device())).to(torch::kCPU);
    band.valid = true;
    band.mean = f.mean().item<float>();
    band.std = f.std().item<float>();
    band.min = f.min().item<float>();
    band.max = f.max().item<float>();
    band.count = static_cast<int>(f.numel());
    band.source = spec + " (" + opts.split + ", " + std::to_string(band.count) + " images)";
  } catch (const std::exception& e) {
    band.note = std::string("no data band: ") + e.what();
  }
  return band;
}

}  // namespace

const char* Worker::job_name(Kind kind) {
  switch (kind) {
    case Kind::kLoad: return "model";
    case Kind::kSample: return "sample";
    case Kind::kInterpLive:
    case Kind::kInterpStrip: return "interpolation";
    case Kind::kRecon: return "reconstruction";
    case Kind::kExport: return "export";
    case Kind::kThreads: return "threads";
    case Kind::kBand: return "band";
    case Kind::kImage: return "image";
    case Kind::kDevice: return "device";
  }
  return "";
}

const char* Worker::job_unit(Kind kind) {
  switch (kind) {
    case Kind::kSample:
    case Kind::kInterpLive: return "step";
    case Kind::kInterpStrip: return "step";
    case Kind::kRecon: return "iteration";
    case Kind::kExport: return "frame";  // chain frames; a single PNG shows elapsed time
    default: return "";
  }
}

Worker::Worker(WorkerOptions options) : torch_(std::make_unique<Torch>()), options_(std::move(options)) {
  thread_ = std::thread([this] { loop(); });
  io_thread_ = std::thread([this] { io_loop(); });
}

Worker::~Worker() {
  if (!thread_.joinable()) return;  // abandoned: never destroyed while its thread runs (see abandon())
  stop_threads();
  thread_.join();
  io_thread_.join();
}

void Worker::stop_threads() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    queue_.clear();
    io_queue_.clear();
    if (running_cancel_) running_cancel_->store(true);
  }
  wake_.notify_all();
}

void Worker::post(Kind kind, std::string label, std::function<void(const std::atomic<bool>&)> run) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool supersedes = kind != Kind::kExport;
    if (supersedes)
      queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [&](const Job& j) { return j.kind == kind; }),
                   queue_.end());
    if (kind == Kind::kLoad) {
      // A new model makes every pending result meaningless.
      queue_.clear();
      if (running_ && running_cancel_) running_cancel_->store(true);
    } else if (supersedes && running_ && running_kind_ == kind && running_cancel_) {
      running_cancel_->store(true);  // a stale run stops within one step
    }
    Job job{kind, std::move(run), std::move(label), next_id_++};
    if (kind == Kind::kImage) {
      io_queue_.clear();  // only the newest image matters
      io_queue_.push_back(std::move(job));
    } else {
      queue_.push_back(std::move(job));
    }
    pub_.queued = static_cast<int>(queue_.size() + io_queue_.size());
  }
  wake_.notify_all();
}

void Worker::progress(int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  running_done_ = done;
  running_total_ = total;
}

bool Worker::cancel(uint64_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::deque<Job>* q : {&queue_, &io_queue_}) {
    const auto it = std::find_if(q->begin(), q->end(), [&](const Job& j) { return j.id == job_id; });
    if (it != q->end()) {
      q->erase(it);
      pub_.queued = static_cast<int>(queue_.size() + io_queue_.size());
      return true;
    }
  }
  if (running_ && running_id_ == job_id && running_cancel_) {
    running_cancel_->store(true);
    return true;
  }
  return false;
}

void Worker::cancel_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
  io_queue_.clear();
  pub_.queued = 0;
  if (running_ && running_cancel_) running_cancel_->store(true);
}

void Worker::abandon() {
  stop_threads();
  thread_.detach();
  io_thread_.detach();
}

void Worker::post_for_test(std::string label, std::function<void(const std::atomic<bool>&)> body) {
  post(Kind::kLoad, std::move(label), std::move(body));
}

void Worker::io_loop() {
  const std::atomic<bool> never{false};
  run_job_loop(
      mutex_, wake_, stop_, io_queue_,
      [&](Job& job) {
        io_running_ = true;
        io_label_ = job.label;
        io_id_ = job.id;
        pub_.queued = static_cast<int>(queue_.size() + io_queue_.size());
      },
      [&](Job& job) { job.run(never); }, [&](Job& job, const char* what) { fail(what, job_name(job.kind)); },
      [&](Job&) { io_running_ = false; });
}

void Worker::loop() {
  try {
    torch_->device = parse_device(options_.device);
  } catch (const std::exception& e) {
    fail(e.what(), "device");
    torch_->device = torch::kCPU;
  }
  int threads = options_.threads;
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  set_threads(threads);  // on this thread: OpenMP's thread count is per calling thread
  std::shared_ptr<std::atomic<bool>> cancel;  // the running job's stop
  run_job_loop(
      mutex_, wake_, stop_, queue_,
      [&](Job& job) {
        running_ = true;
        running_kind_ = job.kind;
        cancel = running_cancel_ = std::make_shared<std::atomic<bool>>(false);
        running_id_ = job.id;
        running_label_ = job.label;
        running_since_ = Clock::now();
        running_done_ = running_total_ = 0;
        pub_.activity = job.label;
        pub_.queued = static_cast<int>(queue_.size() + io_queue_.size());
      },
      [&](Job& job) { job.run(*cancel); }, [&](Job& job, const char* what) { fail(what, job_name(job.kind)); },
      [&](Job& job) {
        // The measured rate of this kind gives the next job's ETA before its first unit ends.
        if (running_done_ > 0 && !cancel->load())
          seconds_per_unit_[int(job.kind)] = seconds_since(running_since_) / double(running_done_);
        running_ = false;
        running_cancel_.reset();
        running_id_ = 0;
        pub_.activity.clear();
      });
}

void Worker::fail(const std::string& what, const std::string& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  pub_.error = what;
  pub_.error_job = job;
  ++pub_.error_version;
}

void Worker::notify(const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex_);
  pub_.message = what;
  ++pub_.message_version;
}

Published Worker::published() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Published p = pub_;
  p.jobs.clear();
  const auto status = [&](const Job& j, const char* state) {
    JobStatus s;
    s.id = j.id;
    s.kind = job_name(j.kind);
    s.label = j.label;
    s.state = state;
    s.unit = job_unit(j.kind);
    return s;
  };
  if (running_) {
    Job j{running_kind_, nullptr, running_label_, running_id_};
    JobStatus s = status(j, running_cancel_ && running_cancel_->load() ? "cancelling" : "running");
    s.done = running_done_;
    s.total = running_total_;
    s.elapsed_s = seconds_since(running_since_);
    const double per_unit = s.done > 0 ? s.elapsed_s / double(s.done) : seconds_per_unit_[int(running_kind_)];
    if (per_unit > 0 && s.total > 0) s.eta_s = std::max(0.0, per_unit * double(s.total - s.done) - (s.done > 0 ? 0.0 : s.elapsed_s));
    p.jobs.push_back(s);
  }
  if (io_running_) p.jobs.push_back(status(Job{Kind::kImage, nullptr, io_label_, io_id_}, "running"));
  for (const Job& j : io_queue_) p.jobs.push_back(status(j, "queued"));
  for (const Job& j : queue_) p.jobs.push_back(status(j, "queued"));
  return p;
}

bool Worker::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !running_ && queue_.empty() && !io_running_ && io_queue_.empty();
}

void Worker::set_threads(int threads) {
  post(Kind::kThreads, "setting threads", [this, threads](const std::atomic<bool>&) {
    const int n = shortrun::set_threads(threads);
    std::lock_guard<std::mutex> lock(mutex_);
    if (pub_.model) {
      auto info = std::make_shared<ModelInfo>(*pub_.model);
      info->threads = n;
      pub_.model = info;
    }
  });
}

void Worker::set_device(const std::string& device) {
  post(Kind::kDevice, "moving the model to " + device, [this, device](const std::atomic<bool>&) {
    const torch::Device d = parse_device(device);
    torch_->device = d;
    if (torch_->baseline) torch_->baseline->to(d);
    else if (torch_->model) torch_->model->to(d);
    else return;
    auto info = std::make_shared<ModelInfo>(*torch_->info);
    info->device = d.str();
    info->precisions = supported_precisions(d);
    torch_->info = info;
    std::lock_guard<std::mutex> lock(mutex_);
    pub_.model = info;
  });
}

void Worker::load_model(const std::string& given, const std::string& weights) {
  post(Kind::kLoad, "loading " + given, [this, given, weights](const std::atomic<bool>&) {
    if (is_baseline_file(given)) return load_baseline(given);
    const WeightsPick pick = pick_weights(given, weights);  // X.ema.safetensors beside X: EMA unless told raw
    const std::string& path = pick.load;
    std::unique_ptr<EnergyModel> model = load_energy_model(path, torch_->device);
    model->set_weights_trainable(false);
    model->train(false);
    auto info = std::make_shared<ModelInfo>();
    const ModelCard& card = model->card();
    info->path = path;
    info->source = card.source;
    info->architecture = arch_line(card);
    info->parameters = model->parameter_count();
    info->shape = ImageShape{0, int(card.shape.channels), int(card.shape.height), int(card.shape.width)};
    info->cost = model_cost(*model);
    info->chunk = card.sampler.chunk;
    SamplerSettings d;
    d.steps = int(card.sampler.steps);
    d.step_size = float(card.sampler.step_size);
    d.noise_std = float(card.sampler.noise_std);
    d.init = card.sampler.init;
    d.seed = int(card.sampler.seed);
    d.clamp = card.sampler.clamp;
    d.precision = card.sampler.precision;
    d.mala = card.sampler.mala;
    d.temperature = float(card.sampler.temperature);
    info->defaults = d;
    nlohmann::json j;
    to_json(j, card);
    info->card = j;
    info->device = torch_->device.str();
    info->precisions = supported_precisions(torch_->device);
    info->cuda_available = torch::cuda::is_available();
    info->threads = torch::get_num_threads();
    info->weights = pick;
    torch_->model = std::move(model);
    torch_->baseline.reset();
    publish_model(info);
    // The data band is slow-ish (reads the data set): its own job, so sampling starts first.
    post(Kind::kBand, "energy of a data batch", [this, id = info->id](const std::atomic<bool>&) {
      if (!torch_->model || !torch_->info || torch_->info->id != id) return;
      auto with_band = std::make_shared<ModelInfo>(*torch_->info);
      with_band->band = data_band(*torch_->model);
      torch_->info = with_band;
      std::lock_guard<std::mutex> lock(mutex_);
      if (pub_.model && pub_.model->id == id) pub_.model = with_band;
    });
  });
}

void Worker::sample(const SamplerSettings& settings) {
  sample_from_z(settings, {}, 0);
}

void Worker::publish_model(std::shared_ptr<ModelInfo> info) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    info->id = next_id_++;
    pub_.model = info;
    pub_.chains.reset();
    pub_.interp_live.reset();
    pub_.interp_strip.reset();
    pub_.recon.reset();
    pub_.error.clear();
    ++pub_.error_version;
    // Rates measured on the previous model say nothing about this one.
    std::fill(std::begin(seconds_per_unit_), std::end(seconds_per_unit_), 0.0);
  }
  torch_->info = info;
}

void Worker::load_baseline(const std::string& path) {
  LoadedBaseline loaded = load_baseline_checkpoint(path, torch_->device);
  BaselineModel& b = *loaded.model;
  b.train(false);
  for (torch::Tensor& w : b.parameters()) w.requires_grad_(false);
  auto info = std::make_shared<ModelInfo>();
  const BaselineSpec& spec = b.spec();
  info->path = path;
  info->kind = spec.kind;
  info->kind_name = b.kind_name();
  info->source = spec.kind + " baseline";
  info->architecture = BaselineGenerator(b).summary();
  info->parameters = b.parameter_count();
  info->shape = ImageShape{0, int(spec.channels), int(spec.image_size), int(spec.image_size)};
  info->card = b.card();
  info->device = torch_->device.str();
  info->precisions = {"exact"};
  info->cuda_available = torch::cuda::is_available();
  info->threads = torch::get_num_threads();
  info->band.note = "no data band: a " + b.kind_name() + " has no energy f(x)";
  torch_->baseline = std::move(loaded.model);
  torch_->model.reset();
  publish_model(info);
}

void Worker::sample_from_z(const SamplerSettings& settings, std::vector<float> z, int chain) {
  const std::string label = "sampling " + count_of(settings.chains, "chain");
  post(Kind::kSample, label, [this, settings, z = std::move(z), chain](const std::atomic<bool>& cancel) {
    EnergyModel& model = torch_->energy_model("sampling Langevin chains");
    const LangevinSampler sampler(model, sampler_config(model, settings));
    auto run = std::make_shared<ChainRun>();
    run->settings = settings;
    run->custom_init = !z.empty();
    const DataShape& ds = model.shape();
    const int n = run->custom_init ? 1 : settings.chains;
    run->settings.chains = n;
    run->shape = ImageShape{n, int(ds.channels), int(ds.height), int(ds.width)};
    const int K = settings.steps;
    run->stride = trajectory_stride(K, run->shape.floats() * sizeof(float), options_.trajectory_budget_bytes);
    run->frames.resize(K + 1);
    run->energy.resize(K + 1);
    run->grad_norm.resize(K + 1);
    run->delta_norm.resize(K + 1);
    run->alive.resize(K + 1);
    if (settings.mala) run->accepted.resize(K);
    const bool keep_device = options_.device_frames && torch_->device.is_cuda();
    if (keep_device) run->device_frames.resize(K + 1);
    std::shared_ptr<ChainRun> previous;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      run->id = next_id_++;
      previous = pub_.chains;
      pub_.chains = run;
    }
    // A run that fails (a precision this device refuses, out of memory) gives the grid back to
    // the last good run instead of leaving it empty at "sampling...".
    struct Restore {
      Worker* w;
      std::shared_ptr<ChainRun> run, previous;
      bool done = false;
      ~Restore() {
        if (done) return;
        std::lock_guard<std::mutex> lock(w->mutex_);
        if (w->pub_.chains == run) w->pub_.chains = previous;
      }
    } restore{this, run, previous};
    torch::Tensor chains = chain_range(run->custom_init ? chain : 0, n, torch_->device);
    std::optional<torch::Tensor> init;
    if (run->custom_init) init = from_nhwc(z, run->shape, torch_->device);
    const auto t0 = Clock::now();
    std::vector<uint8_t> alive_before(n, 1);
    const SampleResult result = sampler.run(chains, init, [&](const StepInfo& s) {
      const int k = static_cast<int>(s.step);
      if (run->kept(k) == k) {
        run->frames[k] = host_nhwc(s.x);
        if (keep_device) {
          torch::Tensor nhwc = s.x.detach().permute({0, 2, 3, 1});
          if (nhwc.size(3) == 3) nhwc = torch::cat({nhwc, torch::ones_like(nhwc.narrow(3, 0, 1))}, 3);
          auto t = std::make_shared<torch::Tensor>(nhwc.contiguous().clone());
          run->device_frames[k] = DeviceFrame{t->data_ptr<float>(), int(t->size(3)), std::shared_ptr<const void>(t, t.get())};
        }
      }
      if (s.accepted.defined() && k < K) {
        const torch::Tensor a = s.accepted.to(torch::kCPU, torch::kUInt8).contiguous();
        run->accepted[k].assign(a.data_ptr<uint8_t>(), a.data_ptr<uint8_t>() + n);
      }
      run->energy[k] = host_floats(s.energy);
      run->grad_norm[k] = host_floats(s.grad_norm);
      run->delta_norm[k] = s.delta.defined() ? host_floats(s.delta.flatten(1).norm(2, 1)) : std::vector<float>(n, 0.0f);
      // The sampler's mask is after the update k -> k+1; x_k itself was finite iff it was alive
      // after the previous update.
      const torch::Tensor alive = s.alive.to(torch::kCPU, torch::kUInt8);
      run->alive[k] = alive_before;
      alive_before.assign(alive.data_ptr<uint8_t>(), alive.data_ptr<uint8_t>() + n);
      // A chain has also diverged once f(x_k) or its gradient is no longer finite (x can stay
      // finite at 1e37 while f overflows); it stays marked from then on.
      for (int i = 0; i < n; ++i) {
        const bool finite_now = std::isfinite(run->energy[k][i]) && std::isfinite(run->grad_norm[k][i]);
        const bool was_healthy = k == 0 || run->alive[k - 1][i];
        if (!finite_now || !was_healthy) run->alive[k][i] = 0;
        if (!run->alive[k][i]) alive_before[i] = 0;
      }
      const int dead = n - static_cast<int>(std::count(run->alive[k].begin(), run->alive[k].end(), uint8_t(1)));
      if (dead > 0 && run->first_divergence.load() < 0) run->first_divergence.store(k);
      run->diverged.store(dead);
      run->seconds.store(seconds_since(t0));
      run->ready.store(k + 1, std::memory_order_release);
      progress(k, K);
    }, &cancel);
    restore.done = true;
    run->cancelled.store(result.cancelled);
    run->finished.store(!result.cancelled);
  });
}

void Worker::interpolate(const InterpRequest& request, bool live) {
  post(live ? Kind::kInterpLive : Kind::kInterpStrip, live ? "interpolating (live ρ)" : "interpolating (strip)",
       [this, request, live](const std::atomic<bool>& cancel) {
         // The live image of an EBM is one chain: evaluated alone rather than padded to a chunk
         // of 16, so dragging ρ stays interactive. It then matches the strip's image to float rounding.
         const std::unique_ptr<Generator> gen = torch_->generator(request.sampler, live);
         InterpolationSpec spec;
         spec.path = request.path;
         spec.noise = request.noise;
         spec.rhos.assign(request.rho.begin(), request.rho.end());
         const auto t0 = Clock::now();
         InterpolationResult r;
         try {
           r = gen->interpolate({Endpoint{uint64_t(request.seed_a), request.chain_a}},
                                {Endpoint{uint64_t(request.seed_b), request.chain_b}}, spec, &cancel,
                                [this](int64_t k, int64_t K) { progress(k, K); });
         } catch (const Error&) {
           if (cancel.load()) return;  // superseded by a newer request
           throw;
         }
         auto out = std::make_shared<InterpResult>();
         const DataShape ds = gen->shape();
         out->shape = ImageShape{int(request.rho.size()), int(ds.channels), int(ds.height), int(ds.width)};
         out->rho = request.rho;
         out->images = host_nhwc(r.x[0]);
         out->energy = r.energy.defined() ? host_floats(r.energy[0]) : std::vector<float>(request.rho.size(), std::nanf(""));
         out->path = request.path;
         out->noise = gen->kind() == "ebm" ? request.noise : "none";
         out->kind = gen->kind();
         out->method = gen->interpolation_method(spec);
         out->seconds = seconds_since(t0);
         std::lock_guard<std::mutex> lock(mutex_);
         out->id = next_id_++;
         (live ? pub_.interp_live : pub_.interp_strip) = out;
       });
}

void Worker::cancel_reconstruction() {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [](const Job& j) { return j.kind == Kind::kRecon; }),
               queue_.end());
  if (running_ && running_kind_ == Kind::kRecon && running_cancel_) running_cancel_->store(true);
}

void Worker::reconstruct(const ReconRequest& request) {
  post(Kind::kRecon, "reconstructing", [this, request](const std::atomic<bool>& cancel) {
    const std::unique_ptr<Generator> gen = torch_->generator(request.sampler);
    const DataShape ds = gen->shape();
    const ImageShape shape{1, int(ds.channels), int(ds.height), int(ds.width)};
    if (request.observed.size() != shape.floats() || request.mask.size() != size_t(shape.h) * shape.w)
      throw Error("reconstruction input does not match the model's " + ds.str() + " images");
    GeneratorReconOptions options;
    options.iters = request.iters;
    options.lr = request.lr;
    options.seed = uint64_t(request.sampler.seed);
    options.first_chain = request.chain;
    auto run = std::make_shared<ReconRun>();
    run->shape = shape;
    run->iters = request.iters;
    run->curve.assign(request.iters + 1, std::nanf(""));
    run->observed = request.observed;
    run->mask = request.mask;
    run->chain = request.chain;
    run->seed = uint64_t(request.sampler.seed);
    run->kind = gen->kind();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      run->id = next_id_++;
      pub_.recon = run;
    }
    const torch::Tensor observed = from_nhwc(request.observed, shape, torch_->device);
    const torch::Tensor mask = torch::from_blob(const_cast<float*>(request.mask.data()), {1, 1, shape.h, shape.w},
                                                torch::kFloat32).clone().to(torch_->device);
    progress(0, request.iters);  // the length is known before the first iteration ends
    const GeneratorRecon result = gen->reconstruct(observed, mask, options, [&](const ReconstructIteration& it) {
      run->curve[it.iteration] = it.mse[0].item<float>();
      std::atomic_store(&run->latest, std::shared_ptr<const std::vector<float>>(
                                          std::make_shared<std::vector<float>>(host_nhwc(it.x))));
      run->done.store(static_cast<int>(it.iteration), std::memory_order_release);
      progress(it.iteration, request.iters);
    }, &cancel);
    run->cancelled.store(result.cancelled);
    // An EBM's z is an image-shaped start of its chain ("show its chain"); a VAE's or GAN's is a vector.
    if (!result.cancelled && gen->kind() == "ebm") run->z = host_nhwc(result.z);
    run->finished.store(true);
  });
}

void Worker::load_image(const std::string& path) {
  post(Kind::kImage, "reading " + path, [this, path](const std::atomic<bool>&) {
    // Runs on the I/O thread: the model's shape comes from what was published, not the model.
    std::shared_ptr<const ModelInfo> model;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      model = pub_.model;
    }
    if (!model) throw Error("no model loaded");
    const ImageShape ds = model->shape;
    const torch::Tensor batch = read_image_or_npy(path);
    auto img = std::make_shared<LoadedImage>();
    img->path = path;
    img->shape = ImageShape{1, ds.c, ds.h, ds.w};
    const torch::Tensor x = conform_image(batch[0], ds.c, ds.h, ds.w, &img->note);
    img->pixels = host_nhwc(x.unsqueeze(0));
    std::lock_guard<std::mutex> lock(mutex_);
    img->id = next_id_++;
    pub_.image = img;
  });
}

void Worker::export_chains(const ExportRequest& request) {
  post(Kind::kExport, "exporting " + request.path, [this, request](const std::atomic<bool>& cancel) {
    const std::string done = request.kind == "grid_png"
                                 ? write_grid_png(request)
                                 : write_chain_frames(request, cancel, [this](int i, int n) { progress(i, n); });
    notify(done);
  });
}

}  // namespace shortrun::explorer

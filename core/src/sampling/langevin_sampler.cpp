// The Langevin loop: ∇f by autograd, then the fused update (noise, step, clamp, NaN freezing),
// with observers and cancellation between steps.
#include "shortrun/sampling/langevin_sampler.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <tuple>

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include "cuda_graph_step.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/sampling/langevin_update.h"
#include "shortrun/sampling/parallel_plan.h"
#include "shortrun/sampling/precision.h"

namespace shortrun {

torch::Tensor chain_range(int64_t first, int64_t n, torch::Device device) {
  return torch::arange(first, first + n, torch::TensorOptions().dtype(torch::kInt64).device(device));
}

void check_batch_memory(int64_t chains, const DataShape& shape, int64_t chunk) {
  const double value_bytes = double(shape.numel()) * sizeof(float);
  const double at_once = chunk > 0 ? double(std::min(chunk, chains)) : double(chains);
  // 8 copies of the state (x, ∇f, the update's temporaries, the init, the observer's copy); an
  // evaluation keeps ~64 values per pixel for the backward pass (the reference net's n_f = 64).
  const double bytes = double(chains) * value_bytes * 8 + at_once * value_bytes * 64;
  const int64_t limit = kMaxBatchBytes.value();
  if (bytes > double(limit)) {
    char what[200];
    std::snprintf(what, sizeof what, "sampling %lld chains of %s at once (%s) needs about %.3g bytes, which",
                  static_cast<long long>(chains), shape.str().c_str(),
                  chunk > 0 ? "in chunks of --chunk" : "--chunk 0: all of them in one evaluation", bytes);
    throw Error(kMaxBatchBytes.exceeded(what) + "; lower --batch-chains or --n, or use --chunk 16");
  }
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

namespace {
std::atomic<int> g_parallel_mode{static_cast<int>(ParallelMode::kAuto)};

// plan_parallel's constants, from this project's 2-core CPU (BENCHMARKS.md, "Chains in parallel").
constexpr double kFlopsPerThread = 40e9;    // one thread's conv rate (the explorer's cost_book uses it too)
constexpr double kRegionSeconds = 50e-6;    // one op split across threads: fork/join, waking sleepers, imbalance
constexpr double kRegionsPerLayer = 4;      // a layer's forward conv and activation, and their backward for ∇f
constexpr double kCacheBytes = 32.0 * (1 << 20);  // parallel chunks' activations beyond this contend for memory
constexpr double kContention = 1.25;        // ... and then run this much slower (a guess, see the docs)
// auto picks chains when the model says it is at least as fast. On idle cores chains beat ops
// by more than the model predicts (n_f = 16, 64 chains, 2 threads: 2.2x measured, 1.2x modelled;
// n_f = 64: 1.3x vs 1.01x) and four copies at once by 1.08x; beside other busy processes it lost
// (0.7x at n_f = 16), which a deterministic plan cannot see (BENCHMARKS.md, "Chains in parallel").
constexpr double kChainsMargin = 1.0;
}  // namespace

namespace {
// One OpenMP parallel region of LibTorch's own OpenMP runtime. at::parallel_for cannot be used
// here: it is a header template whose `#pragma omp parallel` is compiled into this file, and
// shortrun is not built with -fopenmp (nor should it link a second OpenMP runtime next to the
// one LibTorch brings: PyPI's wheels carry their own libgomp). GOMP_parallel is what that pragma
// calls; found with dlsym in the process's global scope it is the runtime LibTorch already uses,
// so ops inside the region see omp_in_parallel() and run single-threaded, oneDNN's included.
using GompParallelFn = void (*)(void (*)(void*), void*, unsigned, unsigned);
using OmpSetThreadsFn = void (*)(int);
struct OmpRuntime {
  GompParallelFn parallel = nullptr;
  OmpSetThreadsFn set_num_threads = nullptr;
};
const OmpRuntime& omp_runtime() {
  static const OmpRuntime rt = [] {
    OmpRuntime r;
    r.parallel = reinterpret_cast<GompParallelFn>(dlsym(RTLD_DEFAULT, "GOMP_parallel"));
    r.set_num_threads = reinterpret_cast<OmpSetThreadsFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    return r;
  }();
  return rt;
}

struct ChunkRegion {
  OmpSetThreadsFn set_num_threads = nullptr;
  const std::function<void(int64_t)>* body = nullptr;
  int64_t count = 0;
  std::atomic<int64_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;
};

void run_chunk_region(void* data) {
  auto* r = static_cast<ChunkRegion*>(data);
  // oneDNN builds a primitive for omp_get_max_threads() threads and may split a sum by that
  // count even when it then runs serially in here (LibTorch 2.x at 3 threads did: CI,
  // 2026-12-04). One thread per region thread (its own ICV, gone with the region) gives every
  // chunk the kernels of a one-thread run, so chains mode equals --threads 1 bit for bit.
  // LibTorch sets a thread's count to its global one the first time the thread asks for it
  // (lazy_init_num_threads): let that happen first, or a new thread's 1 is undone at its first op.
  if (r->set_num_threads) {
    (void)at::get_num_threads();
    r->set_num_threads(1);
  }
  // Each thread takes the next chunk not yet taken: beside other busy processes a descheduled
  // thread then holds up one chunk, not a fixed share of them. Which thread evaluates a chunk
  // does not change its result.
  for (int64_t i = r->next.fetch_add(1); i < r->count; i = r->next.fetch_add(1)) {
    try {
      (*r->body)(i);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(r->mutex);
      if (!r->error) r->error = std::current_exception();
    }
  }
}

// Runs body(0..count-1) on up to `threads` threads in one parallel region; false (nothing run)
// where LibTorch's OpenMP runtime is not GNU's.
bool run_in_one_region(int64_t count, int threads, const std::function<void(int64_t)>& body) {
  const OmpRuntime& rt = omp_runtime();
  if (!rt.parallel) return false;
  ChunkRegion region;
  region.set_num_threads = rt.set_num_threads;
  region.body = &body;
  region.count = count;
  rt.parallel(&run_chunk_region, &region, static_cast<unsigned>(std::min<int64_t>(threads, count)), 0);
  if (region.error) std::rethrow_exception(region.error);
  return true;
}
}  // namespace

ParallelMode parse_parallel_mode(const std::string& name) {
  if (name == "auto") return ParallelMode::kAuto;
  if (name == "ops") return ParallelMode::kOps;
  if (name == "chains") return ParallelMode::kChains;
  throw Error("parallel mode '" + name + "' is unknown; expected chains, ops or auto");
}

const char* parallel_mode_name(ParallelMode mode) {
  return mode == ParallelMode::kOps ? "ops" : mode == ParallelMode::kChains ? "chains" : "auto";
}

void set_parallel_mode(ParallelMode mode) { g_parallel_mode.store(static_cast<int>(mode)); }
ParallelMode parallel_mode() { return static_cast<ParallelMode>(g_parallel_mode.load()); }

ModelCost model_cost(EnergyModel& model) {
  ModelCost c;
  int64_t params = 0, layers = 0;
  for (const torch::Tensor& p : model.parameters()) {
    params += p.numel();
    if (p.dim() >= 2) ++layers;
  }
  const DataShape& s = model.shape();
  // The reference nets do about 0.14 FLOP per parameter per input pixel for f and ∇f (DESIGN.md:
  // 2.76 M parameters at 32×32 -> 0.4 GFLOP); other nets are estimated the same way.
  c.flops_per_chain_step = std::max(1.0, 0.14 * double(std::max<int64_t>(1, params)) * double(s.height) * double(s.width));
  c.layers = std::max<int64_t>(1, layers);
  c.values_per_chain = s.numel();
  return c;
}

ParallelPlan plan_parallel(ParallelMode requested, const ModelCost& cost, int64_t chains, int64_t chunk, int threads,
                           bool on_cpu) {
  ParallelPlan p;
  const int64_t n = std::max<int64_t>(1, chains);
  p.chunks = chunk > 0 ? (n + chunk - 1) / chunk : 1;
  const int64_t P = std::max(1, threads);
  // One evaluation of `chunks` chunks of `per_eval` chains, modelled: chains mode runs
  // ceil(chunks/P) rounds of whole chunks at one thread's rate; ops mode runs every chunk at P
  // threads' rate plus a fork/join per op.
  const auto model = [&](int64_t chunks, int64_t per_eval, double* chains_s, double* ops_s) {
    const double work = cost.flops_per_chain_step * double(per_eval);
    const double rounds = double((chunks + P - 1) / P);
    const double working_set = double(std::min<int64_t>(P, chunks)) * double(per_eval) * double(cost.values_per_chain) * 64 * 4;
    *chains_s = rounds * work / kFlopsPerThread * (working_set > kCacheBytes ? kContention : 1.0) + kRegionSeconds;
    *ops_s = double(chunks) * (work / (double(P) * kFlopsPerThread) +
                               double(cost.layers) * kRegionsPerLayer * (P > 1 ? kRegionSeconds : 0.0));
  };
  model(p.chunks, chunk > 0 ? std::min(chunk, n) : n, &p.modelled_chains_s, &p.modelled_ops_s);
  const auto ops = [&p](const std::string& why) {
    p.chains = false;
    p.why = "ops: " + why;
    return p;
  };
  if (!on_cpu) return ops("not on the CPU");
  if (P < 2) return ops("1 thread, nothing to split");
  if (chunk <= 0) return ops("--chunk 0 (one batch), nothing to hand out");
  if (requested == ParallelMode::kOps) return ops("as asked (--parallel ops)");
  char figures[160];
  std::snprintf(figures, sizeof figures, "%lld chunks of %lld on %lld threads, modelled %.3g ms (chains) vs %.3g ms (ops)",
                static_cast<long long>(p.chunks), static_cast<long long>(std::min(chunk, n)), static_cast<long long>(P),
                p.modelled_chains_s * 1e3, p.modelled_ops_s * 1e3);
  if (requested == ParallelMode::kChains) {
    p.chains = true;
    p.why = std::string("chains: as asked (--parallel chains); ") + figures;
    return p;
  }
  // auto decides for one full round (P chunks of `chunk`), not for this number of chains: the
  // choice, and with it whether a chunk runs one-thread or P-thread kernels (which may round
  // differently), is then the same for any n, and so is chain i.
  double round_chains_s = 0, round_ops_s = 0;
  model(P, chunk, &round_chains_s, &round_ops_s);
  p.chains = round_chains_s * kChainsMargin <= round_ops_s;
  p.why = std::string(p.chains ? "chains" : "ops") + ": auto, " + figures;
  return p;
}

std::pair<torch::Tensor, torch::Tensor> LangevinSampler::energy_and_grad(const torch::Tensor& x_in) const {
  // Gradient w.r.t. x only: autograd::grad never writes .grad of the weights.
  torch::AutoGradMode grad_on(true);
  const bool bf16 = config_.precision == "bf16";
  const auto one_batch = [this, bf16](const torch::Tensor& xb) {
    torch::AutoGradMode chunk_grad_on(true);  // also on the threads of --parallel chains
    // bf16 runs under autocast (PrecisionScope); channels_last is the layout its kernels want.
    torch::Tensor x = (bf16 ? xb.detach().contiguous(at::MemoryFormat::ChannelsLast) : xb.detach()).requires_grad_(true);
    torch::Tensor f = model_.energy(x);
    torch::Tensor g = torch::autograd::grad({f.sum()}, {x}, {}, /*retain_graph=*/false, /*create_graph=*/false)[0];
    if (bf16) return std::make_pair(f.detach().to(torch::kFloat32), g.to(torch::kFloat32).contiguous());
    return std::make_pair(f.detach(), g);
  };
  const int64_t n = x_in.size(0), chunk = config_.chunk;
  if (chunk <= 0) return one_batch(x_in);
  // Fixed-size chunks, the last padded with zeros, so every evaluation has the same shape.
  const int64_t padded = (n + chunk - 1) / chunk * chunk;
  torch::Tensor x = x_in;
  if (padded != n) {
    std::vector<int64_t> pad_shape = x_in.sizes().vec();
    pad_shape[0] = padded - n;
    x = torch::cat({x_in, torch::zeros(pad_shape, x_in.options())});
  }
  const int64_t count = padded / chunk;
  std::vector<torch::Tensor> fs(count), gs(count);
  const auto eval = [&](int64_t i) { std::tie(fs[i], gs[i]) = one_batch(x.narrow(0, i * chunk, chunk)); };
  const bool chains = model_.device().is_cpu() && at::get_num_threads() > 1 &&
                      plan_parallel(parallel_mode(), model_cost(model_), n, chunk, at::get_num_threads()).chains;
  bool done = false;
  if (chains) {
    // One parallel region: each thread evaluates whole chunks; inside it every op (and oneDNN)
    // runs single-threaded. Grad mode and autocast are thread-local and the team's threads do
    // not inherit them: hand this thread's state over.
    const at::ThreadLocalState state;
    done = run_in_one_region(count, at::get_num_threads(), [&](int64_t i) {
      const at::ThreadLocalStateGuard guard(state);
      eval(i);
    });
  }
  if (!done)
    for (int64_t i = 0; i < count; ++i) eval(i);
  if (count == 1 && padded == n) return {fs[0], gs[0]};
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

langevin::StepParams LangevinSampler::step_params() const {
  langevin::StepParams p;
  p.step_size = config_.step_size;
  p.noise_std = config_.noise_std;
  p.noisy = config_.noise_std > 0;
  p.clamp = config_.clamp;
  return p;
}

SampleResult LangevinSampler::run(const torch::Tensor& chains, const std::optional<torch::Tensor>& init,
                                  const StepObserver& observer, const std::atomic<bool>* cancel) const {
  check_batch_memory(chains.size(0), model_.shape(), config_.chunk);
  const torch::Tensor x0 = init ? init->to(model_.device(), torch::kFloat32) : initial_state(chains);
  // The sampler's own noise is made inside the fused update (no u_k tensor per step).
  return run_impl(x0, chains.to(model_.device(), torch::kInt64), nullptr, observer, cancel);
}

SampleResult LangevinSampler::run_from(const torch::Tensor& x0, const NoiseFn& noise, const StepObserver& observer,
                                       const std::atomic<bool>* cancel) const {
  check_batch_memory(x0.size(0), model_.shape(), config_.chunk);
  return run_impl(x0, torch::Tensor(), noise, observer, cancel);
}

SampleResult LangevinSampler::run_impl(const torch::Tensor& x0, const torch::Tensor& chains, const NoiseFn& noise,
                                       const StepObserver& observer, const std::atomic<bool>* cancel) const {
  const PrecisionScope precision(config_.precision, model_.device());
#ifdef SHORTRUN_WITH_CUDA
  if (model_.device().is_cuda() && config_.cuda_graph && !config_.mala && chains.defined() && !graph_failed_ &&
      config_.steps > 0) {
    try {
      return run_graph(x0, chains, observer, cancel);
    } catch (const std::exception& e) {
      // Capture can fail for modules with host syncs; eager steps give the same chains.
      graph_.reset();
      graph_failed_ = true;
      const std::string what = e.what();
      std::fprintf(stderr, "shortrun: CUDA graph capture failed (%s); running steps eagerly\n",
                   what.substr(0, what.find('\n')).c_str());
    }
  }
#endif
  const int64_t n = x0.size(0);
  // float32 chains; float64 ones stay float64 (gradient checks run the chain in double).
  const auto dtype = x0.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  torch::Tensor x = x0.detach().to(model_.device(), dtype).contiguous().clone();
  torch::Tensor alive = torch::ones({n}, torch::TensorOptions().dtype(torch::kBool).device(model_.device()));
  torch::Tensor delta = observer ? torch::empty_like(x) : torch::Tensor();
  const auto per_chain = [n](const torch::Tensor& t) { return t.reshape({n, -1}); };
  const langevin::StepParams params = step_params();
  const bool mala = config_.mala;
  // MALA's accept uniforms are addressed by chain like u_k (rows stand in for chains in run_from).
  const torch::Tensor accept_chains = chains.defined() ? chains : chain_range(0, n, model_.device());
  torch::Tensor accepted_sum = mala ? torch::zeros({n}, x.options()) : torch::Tensor();
  torch::Tensor f, g;  // f(x), ∇f(x) of the current x (MALA carries them over from its proposal)
  SampleResult result;
  for (int64_t k = 0; k <= config_.steps; ++k) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    const bool last = k == config_.steps;
    if (last && !observer) break;  // f(x_K) is only needed for the observer
    if (!mala || !f.defined()) std::tie(f, g) = energy_and_grad(x);
    if (last) {
      observer(StepInfo{k, x, f, per_chain(g).norm(2, 1), torch::Tensor(), alive, torch::Tensor()});
      break;
    }
    const torch::Tensor grad_norm = observer ? per_chain(g).norm(2, 1) : torch::Tensor();
    LangevinNoise nz;
    nz.seed = config_.seed;
    nz.step = k;
    langevin::StepParams p = params;
    if (p.noisy && chains.defined()) {
      nz.chains = chains;
    } else if (p.noisy && noise) {
      nz.u = noise(k);
      if (nz.u.defined()) nz.u = nz.u.to(x.device(), dtype).contiguous();
      else p.noisy = false;
    } else {
      p.noisy = false;
    }
    torch::Tensor gc = g.to(dtype).contiguous();
    if (!mala) {
      // The observer sees x_k: keep it while x is updated in place.
      const torch::Tensor x_k = observer ? x.clone() : torch::Tensor();
      langevin_update(x, gc, p, nz, alive, observer ? &delta : nullptr);
      if (observer) observer(StepInfo{k, x_k, f, grad_norm, delta, alive, torch::Tensor()});
    } else {
      // Metropolis-adjusted: the Langevin step is a proposal y ~ N(x + s∇f(x), σ²I), accepted
      // with probability min(1, exp((f(y) − f(x))/T) q(x|y) / q(y|x)).
      torch::Tensor y = x.clone();
      torch::Tensor finite = torch::ones_like(alive);
      langevin_update(y, gc, p, nz, finite, nullptr);  // non-finite proposals are rejected below
      auto [fy, gy] = energy_and_grad(y);
      const double inv_two_var = 1.0 / (2.0 * config_.noise_std * config_.noise_std);
      const torch::Tensor fwd = per_chain(y - x - config_.step_size * g).pow(2).sum(1) * inv_two_var;   // −log q(y|x)
      const torch::Tensor bwd = per_chain(x - y - config_.step_size * gy).pow(2).sum(1) * inv_two_var;  // −log q(x|y)
      const torch::Tensor log_alpha = (fy - f) / config_.temperature + fwd - bwd;
      const torch::Tensor u = noise_.uniform(accept_chains, k, NoiseStream::kAccept, {1}).reshape({n});
      const torch::Tensor accept = alive & finite & (torch::log(u) < log_alpha);  // NaN: rejected
      const torch::Tensor a4 = accept.view({n, 1, 1, 1});
      torch::Tensor x_next = torch::where(a4, y, x);
      if (observer) delta.copy_(x_next - x);
      const torch::Tensor x_k = x, f_k = f;
      x = x_next;
      f = torch::where(accept, fy, f);
      g = torch::where(a4, gy.reshape(x.sizes()), g.reshape(x.sizes()));
      accepted_sum.add_(accept.to(accepted_sum.dtype()));
      if (observer) observer(StepInfo{k, x_k, f_k, grad_norm, delta, alive, accept});
    }
    result.steps_done = k + 1;
  }
  if (mala) result.accept_rate = accepted_sum / std::max<int64_t>(1, result.steps_done);
  result.x = x;
  result.alive = alive;
  return result;
}

#ifdef SHORTRUN_WITH_CUDA
SampleResult LangevinSampler::run_graph(const torch::Tensor& x0_in, const torch::Tensor& chains,
                                        const StepObserver& observer, const std::atomic<bool>* cancel) const {
  const torch::Tensor x0 = x0_in.detach().to(model_.device(), torch::kFloat32).contiguous();
  const bool observed = static_cast<bool>(observer);
  if (!graph_ || !graph_->fits(x0, observed)) {
    graph_.reset();
    graph_ = std::make_shared<CudaGraphStep>(*this, x0, observed);
  }
  CudaGraphStep& g = *graph_;
  g.reset(x0, chains);
  const int64_t n = x0.size(0);
  SampleResult result;
  for (int64_t k = 0; k <= config_.steps; ++k) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    if (k == config_.steps) {
      if (observer) {
        auto [f, grad] = energy_and_grad(g.x);
        observer(StepInfo{k, g.x, f, grad.reshape({n, -1}).norm(2, 1), torch::Tensor(), g.alive, torch::Tensor()});
      }
      break;
    }
    g.replay();
    if (observer) observer(StepInfo{k, g.x_prev, g.f, g.grad_norm, g.delta, g.alive, torch::Tensor()});
    result.steps_done = k + 1;
  }
  result.x = g.x.clone();
  result.alive = g.alive.clone();
  return result;
}
#endif

}  // namespace shortrun

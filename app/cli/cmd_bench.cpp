// `shortrun bench [--train] [--device cuda] [--suite cpu] [--concurrent P]`: this implementation
// next to the paper's PyTorch loop, run in the same invocation on the same device with the same
// threads and shapes, reported as a ratio. Sampling: chain-steps/s of the Langevin loop. --train:
// training iterations/s of the paper's configuration (n_f=64, K=100, batch 64, Adam 1e-4, noise
// 0.03). --suite cpu: the CPU cells of issue 28 one after the other; --concurrent P: P copies of
// each side started at once (each side's mean rate per copy).
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

#include "cli_common.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/base/runtime.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/parallel_plan.h"
#include "shortrun/sampling/precision.h"
#include "shortrun/training/trainer.h"

namespace shortrun::cli {

namespace fs = std::filesystem;

namespace {

// The paper's minimal script, reduced to what is timed. argv: mode nf K batch threads iters warmup device
// [barrier-dir copies]
const char* kReference = R"py(
import contextlib, os, sys, time, torch, torch.nn as nn
mode, nf, K, n, threads, iters, warmup = sys.argv[1], *map(int, sys.argv[2:8])
dev = torch.device(sys.argv[8])
# CUDA: the same flags as shortrun's --precision (precision.cpp), so both sides do the same work.
precision = os.environ.get("SHORTRUN_REF_PRECISION", "exact")
autocast = contextlib.nullcontext
if dev.type == "cuda":
    fast = precision != "exact"
    torch.backends.cuda.matmul.allow_tf32 = fast
    torch.backends.cudnn.allow_tf32 = fast
    torch.backends.cudnn.benchmark = fast
    torch.backends.cudnn.deterministic = not fast
    if precision == "bf16":
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)
torch.set_num_threads(threads)
torch.manual_seed(1)
torch.set_default_dtype(torch.float32)
net = nn.Sequential(
    nn.Conv2d(1, nf, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf, nf * 2, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(nf * 2, nf * 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf * 4, nf * 8, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(nf * 8, 1, 4, 1, 0)).to(dev)
def f(x):
    with autocast():
        return net(x).squeeze().float()
def sample_q(requires_grad=False):
    x = torch.rand(n, 1, 32, 32, device=dev) * 2 - 1
    for _ in range(K):
        x = x.detach().requires_grad_(True)
        g = torch.autograd.grad(f(x).sum(), [x])[0]
        x = x.data + 1.0 * g + 0.01 * torch.randn_like(x)
    return x.detach()
data = torch.rand(1000, 1, 32, 32, device=dev) * 2 - 1
opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999))
def train_step():
    x_q = sample_q()
    x_d = data[torch.randint(0, 1000, (n,), device=dev)] + 0.03 * torch.randn(n, 1, 32, 32, device=dev)
    loss = f(x_q).mean() - f(x_d).mean()
    opt.zero_grad(); loss.backward(); opt.step()
step = train_step if mode == "train" else sample_q
for p in ([] if mode == "train" else net.parameters()): p.requires_grad_(False)
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
for _ in range(warmup): step()
sync()
if len(sys.argv) > 10:  # --concurrent: start timing when every copy has warmed up
    import os
    open(os.path.join(sys.argv[9], "py.%d" % os.getpid()), "w").close()
    deadline = time.time() + 600
    while len([f for f in os.listdir(sys.argv[9]) if f.startswith("py.")]) < int(sys.argv[10]) and time.time() < deadline:
        time.sleep(0.01)
t0 = time.perf_counter()
for _ in range(iters): step()
sync()
print(iters / (time.perf_counter() - t0))
)py";

// The environment prefix for child processes: the OpenMP wait policy shortrun set for itself
// (runtime.cpp marks it) is taken out again, so PyTorch runs with its own default (spinning) and
// a child shortrun sets it the way a user's run would.
std::string child_env() {
  return std::getenv("SHORTRUN_SET_OMP_WAIT_POLICY") ? "env -u OMP_WAIT_POLICY -u SHORTRUN_SET_OMP_WAIT_POLICY " : "";
}

// Runs `copies` copies of `cmd` at once and returns the number each printed last.
std::vector<double> run_copies(const std::string& cmd, int copies, const std::string& what) {
  std::vector<FILE*> pipes;
  for (int i = 0; i < copies; ++i) {
    FILE* pipe = popen((child_env() + cmd + " 2>&1").c_str(), "r");
    if (!pipe) {
      for (FILE* p : pipes) pclose(p);
      throw Error("cannot run " + what);
    }
    pipes.push_back(pipe);
  }
  std::vector<double> rates;
  std::string failure;
  for (FILE* pipe : pipes) {
    std::string out;
    char buf[512];
    while (fgets(buf, sizeof buf, pipe)) out += buf;
    const int rc = pclose(pipe);
    try {
      if (rc == 0) {
        rates.push_back(std::stod(out.substr(out.find_last_of('\n', out.size() - 2) + 1)));
        continue;
      }
    } catch (const std::exception&) {
    }
    if (failure.empty()) failure = out.substr(0, out.find('\n'));
  }
  if (!failure.empty()) throw Error(what + " failed: " + failure);
  return rates;
}

std::vector<double> run_reference(const std::string& python, const std::string& mode, int nf, int K, int n, int threads,
                                  int iters, int warmup, const std::string& device, const std::string& precision,
                                  int copies = 1) {
  // A fresh file of our own (O_EXCL, mode 600): a predictable name in /tmp could be a link
  // someone else planted.
  std::string name = (fs::temp_directory_path() / "shortrun_bench_XXXXXX.py").string();
  const int fd = mkstemps(name.data(), 3);
  if (fd < 0) throw Error("cannot create a temporary file in " + fs::temp_directory_path().string());
  const std::string text = kReference;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  const fs::path script = name;
  if (!written) {
    fs::remove(script);
    throw Error(name + ": cannot write the PyTorch reference script");
  }
  const std::string cmd = "SHORTRUN_REF_PRECISION=" + precision + " " + python + " " + script.string() + " " + mode + " " + std::to_string(nf) + " " + std::to_string(K) +
                          " " + std::to_string(n) + " " + std::to_string(threads) + " " + std::to_string(iters) + " " +
                          std::to_string(warmup) + " " + device;
  std::string barrier;
  if (copies > 1) {
    std::string templ = (fs::temp_directory_path() / "shortrun_bench_barrier_XXXXXX").string();
    if (!mkdtemp(templ.data())) throw Error("cannot create a temporary folder in " + fs::temp_directory_path().string());
    barrier = templ;
  }
  const std::string full = barrier.empty() ? cmd : cmd + " " + barrier + " " + std::to_string(copies);
  try {
    std::vector<double> rates = run_copies(full, copies, "the PyTorch reference (" + python + ")");
    fs::remove(script);
    if (!barrier.empty()) fs::remove_all(barrier);
    return rates;
  } catch (const Error& e) {
    fs::remove(script);
    if (!barrier.empty()) fs::remove_all(barrier);
    throw Error(std::string(e.what()) + " (apt-get install python3-torch, or pass --python)");
  }
}

// --concurrent: every copy times the same stretch. A copy that has warmed up marks itself in a
// shared folder and starts its clock once all `copies` marks are there (at most 10 minutes).
struct Barrier {
  std::string dir;
  int copies = 0;
} g_barrier;

void wait_at_barrier() {
  if (g_barrier.dir.empty() || g_barrier.copies <= 1) return;
  std::ofstream(fs::path(g_barrier.dir) / ("ours." + std::to_string(getpid())));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  for (;;) {
    int ready = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(g_barrier.dir, ec))
      if (e.path().filename().string().rfind("ours.", 0) == 0) ++ready;
    if (ready >= g_barrier.copies || std::chrono::steady_clock::now() > deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Waits for the device (CUDA work is asynchronous): a host read of the result.
void wait_for(const torch::Tensor& t) { (void)t.sum().item<double>(); }

double run_ours_sampling(int nf, int K, int n, int iters, int warmup, torch::Device device, const SamplerConfig& base) {
  ArchSpec spec;
  spec.nf = nf;
  torch::manual_seed(1);
  NativeEnergyModel model(spec);
  model.to(device);
  model.set_weights_trainable(false);
  SamplerConfig cfg = base;
  cfg.steps = K;
  // base.chunk: 0 is one batch like the reference loop; the default 16 lets --parallel chains
  // hand chunks to threads. Chain i's result is the same either way (for chunks of 2 or more).
  const LangevinSampler sampler(model, cfg);
  for (int i = 0; i < warmup; ++i) wait_for(sampler.run(n).x);
  wait_at_barrier();
  const auto t0 = std::chrono::steady_clock::now();
  torch::Tensor last;
  for (int i = 0; i < iters; ++i) last = sampler.run(n).x;
  wait_for(last);
  return iters / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double run_ours_training(int nf, int K, int n, int iters, int warmup, torch::Device device, const SamplerConfig& base) {
  const fs::path dir = fs::temp_directory_path() / ("shortrun_bench_run_" + std::to_string(getpid()));
  fs::remove_all(dir);
  TrainerConfig cfg;  // the paper's settings
  cfg.arch.nf = nf;
  cfg.sampler.precision = base.precision;
  cfg.sampler.cuda_graph = base.cuda_graph;
  cfg.sampler.chunk = base.chunk;
  cfg.sampler.steps = K;
  cfg.batch = n;
  cfg.iters = warmup;
  cfg.sample_every = cfg.checkpoint_every = 1000000;
  // One log line, at the end of the last timed iteration: the clock stops there. What the
  // trainer does once per run after it (a last sampling pass that judges the final weights, the
  // final checkpoint) is not a cost per iteration, and the reference loop has none of it.
  cfg.log_every = warmup + iters;
  cfg.eval_every = 0;
  Dataset data;
  torch::manual_seed(1);
  data.images = torch::rand({1000, 1, 32, 32}) * 2 - 1;
  data.description = "random images (speed only)";
  double its = 0;
  try {
    Trainer trainer(cfg, dir.string(), device);
    trainer.run(data, nullptr, nullptr);
    trainer.set_iters(warmup + iters);
    wait_at_barrier();
    const auto t0 = std::chrono::steady_clock::now();
    auto t1 = t0;
    trainer.run(data, nullptr, [&](const TrainProgress& p) {
      if (p.event.empty() && p.iteration == warmup + iters) t1 = std::chrono::steady_clock::now();
    });
    if (t1 == t0) throw Error("bench: the trainer never reported iteration " + std::to_string(warmup + iters));
    its = iters / std::chrono::duration<double>(t1 - t0).count();
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return its;
}


struct BenchOptions {
  bool train = false;
  int nf = 64, steps = 100, n = 64, iters = 0, warmup = 1, chunk = 16, concurrent = 1;
  bool steps_given = false;
  std::string python;
  std::string precision = "exact";
  std::string suite;        // "cpu": issue 28's cells
  std::string part = "both";  // "ours": only this implementation, its rate on the last line (copies)
  bool cuda_graph = true;
  RuntimeOptions rt;
};

struct Cell {
  bool train = false;
  int nf = 64, n = 64, threads = 1;
};

// One cell: both sides at `cell.threads` threads, `copies` copies of each at once.
void bench_cell(const BenchOptions& o, const Cell& cell, torch::Device device, const SamplerConfig& base, int steps,
                int iters) {
  const std::string python = !o.python.empty() ? o.python : device.is_cuda() ? "python3" : "/usr/bin/python3";
  const std::string dev_name = device.is_cuda() ? "cuda" : "cpu";
  const std::string mode = cell.train ? "train" : "sample";
  torch::set_num_threads(cell.threads);
  std::vector<double> ours;
  if (o.concurrent <= 1) {
    ours.push_back(cell.train ? run_ours_training(cell.nf, steps, cell.n, iters, o.warmup, device, base)
                              : run_ours_sampling(cell.nf, steps, cell.n, iters, o.warmup, device, base));
  } else {
    // P copies of this binary, each a single-cell `bench --part ours` at this cell's settings.
    const std::string cmd = "'" + fs::read_symlink("/proc/self/exe").string() + "' bench --part ours" + std::string(cell.train ? " --train" : "") +
                            " --nf " + std::to_string(cell.nf) + " --steps " + std::to_string(steps) + " --n " +
                            std::to_string(cell.n) + " --threads " + std::to_string(cell.threads) + " --iters " +
                            std::to_string(iters) + " --warmup " + std::to_string(o.warmup) + " --chunk " +
                            std::to_string(o.chunk) + " --precision " + o.precision + " --parallel " +
                            parallel_mode_name(parallel_mode()) + " --device " + o.rt.device;
    std::string barrier = (fs::temp_directory_path() / "shortrun_bench_barrier_XXXXXX").string();
    if (!mkdtemp(barrier.data())) throw Error("cannot create a temporary folder in " + fs::temp_directory_path().string());
    try {
      ours = run_copies(cmd + " --barrier '" + barrier + "' --copies " + std::to_string(o.concurrent), o.concurrent,
                        "shortrun bench --part ours");
    } catch (...) {
      fs::remove_all(barrier);
      throw;
    }
    fs::remove_all(barrier);
  }
  const std::vector<double> ref =
      run_reference(python, mode, cell.nf, steps, cell.n, cell.threads, iters, o.warmup, dev_name, o.precision,
                    std::max(1, o.concurrent));
  const auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / double(v.size());
  };
  const double scale = cell.train ? 1.0 : double(cell.n) * steps;  // sampling: chain-steps/s
  const char* unit = cell.train ? "iterations/s" : "chain-steps/s";
  const double a = mean(ours), b = mean(ref);
  std::string plan = "-";
  if (!cell.train && device.is_cpu()) {
    ArchSpec spec;
    spec.nf = cell.nf;
    NativeEnergyModel model(spec);
    plan = plan_parallel(parallel_mode(), model_cost(model), cell.n, base.chunk, cell.threads).why;
  }
  nlohmann::json j = {{"mode", mode},        {"device", dev_name},  {"precision", o.precision},
                      {"cuda_graph", device.is_cuda() && o.cuda_graph}, {"nf", cell.nf}, {"steps", steps}, {"n", cell.n},
                      {"threads", cell.threads}, {"iters", iters}, {"unit", unit},       {"shortrun", a * scale},
                      {"pytorch", b * scale}, {"ratio", a / b},      {"torch_version", torch_version()},
                      {"chunk", base.chunk}, {"parallel", parallel_mode_name(parallel_mode())}, {"plan", plan},
                      {"concurrent", std::max(1, o.concurrent)}};
  // What the reference ran with (the kReference script sets the same CUDA flags as --precision).
  j["reference_flags"] = !device.is_cuda()          ? "PyTorch defaults (float32)"
                         : o.precision == "exact" ? "TF32 off, cuDNN deterministic, no benchmark"
                         : o.precision == "tf32"  ? "TF32 on, cuDNN benchmark"
                                                  : "bf16 autocast, TF32 on, cuDNN benchmark";
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  j["omp_wait_policy"] = std::getenv("SHORTRUN_SET_OMP_WAIT_POLICY") ? "shortrun passive, PyTorch default"
                         : policy ? std::string("both ") + policy : std::string("both default");
  std::printf("%s n_f=%d n=%d threads=%d%s: shortrun %.4g %s, PyTorch %.4g %s: ratio %.3f\n", mode.c_str(), cell.nf,
              cell.n, cell.threads, o.concurrent > 1 ? (" x" + std::to_string(o.concurrent) + " at once").c_str() : "",
              a * scale, unit, b * scale, unit, a / b);
  std::cout << json_text(j) << std::endl;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "This implementation next to the paper's PyTorch loop, as a ratio (same run)");
  cmd->add_flag("--train", o->train, "training iterations/s instead of sampling chain-steps/s");
  cmd->add_option("--nf", o->nf, "network width n_f")->capture_default_str()->check(CLI::Range(1, 1024));
  CLI::Option* steps = cmd->add_option("--steps", o->steps, "Langevin steps K (default 100; 10 with --suite)")->check(CLI::Range(1, 100000));
  cmd->add_option("--n", o->n, "chains (= batch size when training)")->capture_default_str()->check(CLI::Range(1, 65536));
  cmd->add_option("--iters", o->iters, "timed repetitions (default: 3 training iterations or 3 sampling runs; 1 with --suite)");
  cmd->add_option("--warmup", o->warmup, "untimed repetitions first")->capture_default_str()->check(CLI::Range(0, 100));
  CLI::Option* chunk = cmd->add_option("--chunk", o->chunk, "this implementation's chains per network evaluation (0: one "
                                                             "batch, like the reference; default 16 on the CPU, 0 on CUDA)")
                           ->check(CLI::Range(0, 65536));
  cmd->add_option("--suite", o->suite, "cpu: n_f 16 and 64 x 64 and 1,024 chains x 1, 2 and all threads, and the "
                                       "training step at 1, 2 and all threads (ignores --nf/--n/--threads/--train)")
      ->check(CLI::IsMember({"cpu"}));
  cmd->add_option("--concurrent", o->concurrent, "start P copies of each side at once and report the mean rate per copy")
      ->capture_default_str()->check(CLI::Range(1, 64));
  // Internal: what --concurrent passes its copies.
  cmd->add_option("--part", o->part, "")->group("")->check(CLI::IsMember({"both", "ours"}));
  cmd->add_option("--barrier", g_barrier.dir, "")->group("");
  cmd->add_option("--copies", g_barrier.copies, "")->group("")->check(CLI::Range(1, 64));
  cmd->add_option("--python", o->python, "Python with PyTorch for the reference "
                                         "(default: /usr/bin/python3 on the CPU, python3 on the PATH for CUDA)");
  cmd->add_option("--precision", o->precision, "this implementation's precision mode: exact, tf32 or bf16")
      ->capture_default_str()->check(CLI::IsMember({"exact", "tf32", "bf16"}));
  cmd->add_flag("!--no-cuda-graph", o->cuda_graph, "CUDA: eager steps instead of a captured graph");
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o, steps, chunk] {
    const torch::Device device = apply_runtime(o->rt);
    // On a GPU one batch fills the card; chunks of 16 run one after another (4x slower at 1,024).
    if (chunk->count() == 0 && device.is_cuda()) o->chunk = 0;
    SamplerConfig base;
    base.precision = o->precision;
    base.cuda_graph = o->cuda_graph;
    base.chunk = o->chunk;
    check_precision(o->precision, device);
    const bool suite = !o->suite.empty();
    const int K = steps->count() > 0 ? o->steps : suite ? 10 : 100;
    const int iters = o->iters > 0 ? o->iters : suite ? 1 : 3;
    if (o->part == "ours") {  // one copy of --concurrent: its rate, alone on the last line
      const double rate = o->train ? run_ours_training(o->nf, K, o->n, iters, o->warmup, device, base)
                                   : run_ours_sampling(o->nf, K, o->n, iters, o->warmup, device, base);
      std::printf("%.9g\n", rate);
      return;
    }
    std::vector<Cell> cells;
    if (suite) {
      std::set<int> thread_counts = {1, 2, available_cores()};
      for (const int nf : {16, 64})
        for (const int n : {64, 1024})
          for (const int t : thread_counts) cells.push_back({false, nf, n, t});
      for (const int t : thread_counts) cells.push_back({true, 64, 64, t});
    } else {
      cells.push_back({o->train, o->nf, o->n, torch::get_num_threads()});
    }
    if (isatty(STDERR_FILENO))
      std::fprintf(stderr, "bench on %s: %zu cell(s), K=%d, %d timed (+%d warm-up) each, %d cop%s at once; this takes a while on a CPU\n",
                   device.is_cuda() ? "cuda" : "cpu", cells.size(), K, iters, o->warmup, std::max(1, o->concurrent),
                   o->concurrent > 1 ? "ies" : "y");
    for (const Cell& c : cells) bench_cell(*o, c, device, base, K, iters);
  });
}

}  // namespace shortrun::cli

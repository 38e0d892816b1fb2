// `shortrun bench [--train] [--device cuda]`: this implementation next to the paper's PyTorch
// loop, run in the same invocation on the same device with the same threads and shapes,
// reported as a ratio. Sampling: chain-steps/s of the Langevin loop. --train: training
// iterations/s of the paper's configuration (n_f=64, K=100, batch 64, Adam 1e-4, noise 0.03).
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/base/runtime.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/precision.h"
#include "shortrun/training/trainer.h"

namespace shortrun::cli {

namespace fs = std::filesystem;

namespace {

// The paper's minimal script, reduced to what is timed. argv: mode nf K batch threads iters warmup device
const char* kReference = R"py(
import sys, time, torch, torch.nn as nn
mode, nf, K, n, threads, iters, warmup = sys.argv[1], *map(int, sys.argv[2:8])
dev = torch.device(sys.argv[8])
torch.set_num_threads(threads)
torch.manual_seed(1)
torch.set_default_dtype(torch.float32)
net = nn.Sequential(
    nn.Conv2d(1, nf, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf, nf * 2, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(nf * 2, nf * 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf * 4, nf * 8, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(nf * 8, 1, 4, 1, 0)).to(dev)
f = lambda x: net(x).squeeze()
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
t0 = time.perf_counter()
for _ in range(iters): step()
sync()
print(iters / (time.perf_counter() - t0))
)py";

double run_reference(const std::string& python, const std::string& mode, int nf, int K, int n, int threads, int iters,
                     int warmup, const std::string& device) {
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
  const std::string cmd = python + " " + script.string() + " " + mode + " " + std::to_string(nf) + " " + std::to_string(K) +
                          " " + std::to_string(n) + " " + std::to_string(threads) + " " + std::to_string(iters) + " " +
                          std::to_string(warmup) + " " + device + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error("cannot run " + python);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  const int rc = pclose(pipe);
  fs::remove(script);
  try {
    if (rc == 0) return std::stod(out.substr(out.find_last_of('\n', out.size() - 2) + 1));
  } catch (const std::exception&) {
  }
  throw Error("the PyTorch reference (" + python + ") failed: " + out.substr(0, out.find('\n')) +
              " (apt-get install python3-torch, or pass --python)");
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
  cfg.chunk = 0;  // one batch, like the reference loop
  const LangevinSampler sampler(model, cfg);
  for (int i = 0; i < warmup; ++i) wait_for(sampler.run(n).x);
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
  cfg.sampler.steps = K;
  cfg.batch = n;
  cfg.iters = warmup;
  cfg.log_every = cfg.sample_every = cfg.checkpoint_every = 1000000;
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
    const auto t0 = std::chrono::steady_clock::now();
    trainer.run(data, nullptr, nullptr);  // ends with a checkpoint: a host read of every weight
    its = iters / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return its;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct Options {
    bool train = false;
    int nf = 64, steps = 100, n = 64, iters = 0, warmup = 1;
    std::string python;
    std::string precision = "exact";
    bool cuda_graph = true;
    RuntimeOptions rt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("bench", "This implementation next to the paper's PyTorch loop, as a ratio (same run)");
  cmd->add_flag("--train", o->train, "training iterations/s instead of sampling chain-steps/s");
  cmd->add_option("--nf", o->nf, "network width n_f")->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--steps", o->steps, "Langevin steps K")->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("--n", o->n, "chains (= batch size when training)")->capture_default_str()->check(CLI::Range(1, 65536));
  cmd->add_option("--iters", o->iters, "timed repetitions (default: 3 training iterations or 3 sampling runs)");
  cmd->add_option("--warmup", o->warmup, "untimed repetitions first")->capture_default_str()->check(CLI::Range(0, 100));
  cmd->add_option("--python", o->python, "Python with PyTorch for the reference "
                                         "(default: /usr/bin/python3 on the CPU, python3 on the PATH for CUDA)");
  cmd->add_option("--precision", o->precision, "this implementation's precision mode: exact, tf32 or bf16")
      ->capture_default_str()->check(CLI::IsMember({"exact", "tf32", "bf16"}));
  cmd->add_flag("!--no-cuda-graph", o->cuda_graph, "CUDA: eager steps instead of a captured graph");
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    const torch::Device device = apply_runtime(o->rt);
    SamplerConfig base;
    base.precision = o->precision;
    base.cuda_graph = o->cuda_graph;
    check_precision(o->precision, device);
    const std::string python = !o->python.empty() ? o->python : device.is_cuda() ? "python3" : "/usr/bin/python3";
    const std::string dev_name = device.is_cuda() ? "cuda" : "cpu";
    const int threads = torch::get_num_threads();
    const int iters = o->iters > 0 ? o->iters : 3;
    const std::string mode = o->train ? "train" : "sample";
    if (isatty(STDERR_FILENO))
      std::fprintf(stderr, "bench %s on %s: n_f=%d K=%d n=%d, %d threads, %d timed (+%d warm-up) each; this takes a while on a CPU\n",
                   mode.c_str(), dev_name.c_str(), o->nf, o->steps, o->n, threads, iters, o->warmup);
    const double ours = o->train ? run_ours_training(o->nf, o->steps, o->n, iters, o->warmup, device, base)
                                 : run_ours_sampling(o->nf, o->steps, o->n, iters, o->warmup, device, base);
    const double ref = run_reference(python, mode, o->nf, o->steps, o->n, threads, iters, o->warmup, dev_name);
    const double scale = o->train ? 1.0 : double(o->n) * o->steps;  // sampling: chain-steps/s
    const char* unit = o->train ? "iterations/s" : "chain-steps/s";
    nlohmann::json j = {{"mode", mode},        {"device", dev_name},  {"precision", o->precision},
                        {"cuda_graph", device.is_cuda() && o->cuda_graph}, {"nf", o->nf}, {"steps", o->steps}, {"n", o->n},
                        {"threads", threads},  {"iters", iters},      {"unit", unit},             {"shortrun", ours * scale},
                        {"pytorch", ref * scale}, {"ratio", ours / ref}, {"torch_version", torch_version()}};
    std::printf("shortrun %.4g %s, PyTorch %.4g %s: ratio %.3f\n", ours * scale, unit, ref * scale, unit, ours / ref);
    std::cout << json_text(j) << std::endl;
  });
}

}  // namespace shortrun::cli

// `shortrun bench [--train]`: this implementation next to the paper's PyTorch loop (Debian's
// python3-torch), run in the same invocation with the same threads and shapes, reported as a
// ratio. Sampling: chain-steps/s of the Langevin loop. --train: training iterations/s of the
// paper's configuration (n_f=64, K=100, batch 64, Adam 1e-4, data noise 0.03).
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "shortrun/error.h"
#include "shortrun/langevin_sampler.h"
#include "shortrun/runtime.h"
#include "shortrun/trainer.h"

namespace shortrun::cli {

namespace fs = std::filesystem;

namespace {

// The paper's minimal script, reduced to what is timed. argv: mode nf K batch threads iters warmup
const char* kReference = R"py(
import sys, time, torch, torch.nn as nn
mode, nf, K, n, threads, iters, warmup = sys.argv[1], *map(int, sys.argv[2:8])
torch.set_num_threads(threads)
torch.manual_seed(1)
net = nn.Sequential(
    nn.Conv2d(1, nf, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf, nf * 2, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(nf * 2, nf * 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf * 4, nf * 8, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(nf * 8, 1, 4, 1, 0))
f = lambda x: net(x).squeeze()
def sample_q(requires_grad=False):
    x = torch.rand(n, 1, 32, 32) * 2 - 1
    for _ in range(K):
        x = x.detach().requires_grad_(True)
        g = torch.autograd.grad(f(x).sum(), [x])[0]
        x = x.data + 1.0 * g + 0.01 * torch.randn_like(x)
    return x.detach()
data = torch.rand(1000, 1, 32, 32) * 2 - 1
opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999))
def train_step():
    x_q = sample_q()
    x_d = data[torch.randint(0, 1000, (n,))] + 0.03 * torch.randn(n, 1, 32, 32)
    loss = f(x_q).mean() - f(x_d).mean()
    opt.zero_grad(); loss.backward(); opt.step()
step = train_step if mode == "train" else sample_q
for p in ([] if mode == "train" else net.parameters()): p.requires_grad_(False)
for _ in range(warmup): step()
t0 = time.perf_counter()
for _ in range(iters): step()
print(iters / (time.perf_counter() - t0))
)py";

double run_reference(const std::string& python, const std::string& mode, int nf, int K, int n, int threads, int iters,
                     int warmup) {
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
                          std::to_string(warmup) + " 2>&1";
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

double run_ours_sampling(int nf, int K, int n, int iters, int warmup) {
  ArchSpec spec;
  spec.nf = nf;
  torch::manual_seed(1);
  NativeEnergyModel model(spec);
  model.set_weights_trainable(false);
  SamplerConfig cfg;
  cfg.steps = K;
  cfg.chunk = 0;  // one batch, like the reference loop
  const LangevinSampler sampler(model, cfg);
  for (int i = 0; i < warmup; ++i) sampler.run(n);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) sampler.run(n);
  return iters / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double run_ours_training(int nf, int K, int n, int iters, int warmup) {
  const fs::path dir = fs::temp_directory_path() / ("shortrun_bench_run_" + std::to_string(getpid()));
  fs::remove_all(dir);
  TrainerConfig cfg;  // the paper's settings
  cfg.arch.nf = nf;
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
    Trainer trainer(cfg, dir.string(), torch::kCPU);
    trainer.run(data, nullptr, nullptr);
    trainer.set_iters(warmup + iters);
    const auto t0 = std::chrono::steady_clock::now();
    trainer.run(data, nullptr, nullptr);
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
    std::string python = "/usr/bin/python3";
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
  cmd->add_option("--python", o->python, "Python with PyTorch for the reference")->capture_default_str();
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    apply_runtime(o->rt);
    const int threads = torch::get_num_threads();
    const int iters = o->iters > 0 ? o->iters : 3;
    const std::string mode = o->train ? "train" : "sample";
    if (isatty(STDERR_FILENO))
      std::fprintf(stderr, "bench %s: n_f=%d K=%d n=%d, %d threads, %d timed (+%d warm-up) each; this takes a while on a CPU\n",
                   mode.c_str(), o->nf, o->steps, o->n, threads, iters, o->warmup);
    const double ours = o->train ? run_ours_training(o->nf, o->steps, o->n, iters, o->warmup)
                                 : run_ours_sampling(o->nf, o->steps, o->n, iters, o->warmup);
    const double ref = run_reference(o->python, mode, o->nf, o->steps, o->n, threads, iters, o->warmup);
    const double scale = o->train ? 1.0 : double(o->n) * o->steps;  // sampling: chain-steps/s
    const char* unit = o->train ? "iterations/s" : "chain-steps/s";
    nlohmann::json j = {{"mode", mode},        {"nf", o->nf},         {"steps", o->steps},        {"n", o->n},
                        {"threads", threads},  {"iters", iters},      {"unit", unit},             {"shortrun", ours * scale},
                        {"pytorch", ref * scale}, {"ratio", ours / ref}, {"torch_version", torch_version()}};
    std::printf("shortrun %.4g %s, PyTorch %.4g %s: ratio %.3f\n", ours * scale, unit, ref * scale, unit, ours / ref);
    std::cout << j.dump() << std::endl;
  });
}

}  // namespace shortrun::cli

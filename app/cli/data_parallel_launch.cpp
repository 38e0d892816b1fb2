// --nproc's local launcher and joining a torchrun/srun job (data_parallel_launch.h).
#include "data_parallel_launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "shortrun/base/error.h"
#include "shortrun/base/runtime.h"
#include "shortrun/distributed/launch_env.h"
#include "shortrun/distributed/settings_check.h"

namespace shortrun::cli {
namespace {

// This process's own command line (from /proc), to start the workers with.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string a;
  while (std::getline(in, a, '\0')) args.push_back(a);
  return args;
}

// A port on 127.0.0.1 that is free now (the kernel's choice).
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("--nproc: cannot open a socket to find a free port: " + std::string(std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw Error("--nproc: cannot bind a port on 127.0.0.1: " + std::string(std::strerror(errno)));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// The arguments without --nproc and --threads (in either spelling), plus --threads per_rank.
std::vector<std::string> worker_arguments(const std::vector<std::string>& args, int per_rank) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--nproc" || a == "--threads") {
      ++i;
      continue;
    }
    if (a.rfind("--nproc=", 0) == 0 || a.rfind("--threads=", 0) == 0) continue;
    out.push_back(a);
  }
  out.push_back("--threads");
  out.push_back(std::to_string(per_rank));
  return out;
}

}  // namespace

void add_data_parallel_options(CLI::App& cmd, DataParallelOptions& o) {
  cmd.add_option("--nproc", o.nproc, "data-parallel: start N local worker processes (CPU threads split between them)")
      ->check(CLI::Range(1, 256));
  cmd.add_option("--backend", o.backend, "data-parallel backend: auto | gloo (CPU) | nccl (not built in)")
      ->capture_default_str()->check(CLI::IsMember({"auto", "gloo", "nccl"}));
  cmd.add_option("--dist-timeout", o.timeout_s, "data-parallel: seconds a rank waits for the others before giving up")
      ->capture_default_str()->check(CLI::Range(1, 86400));
}

int launch_local_workers(const DataParallelOptions& o, int threads, std::ostream* announce) {
  if (o.nproc <= 1) return -1;
  if (launch_env_from_environment().present)
    throw Error("--nproc " + std::to_string(o.nproc) + " given inside a launched job (RANK/WORLD_SIZE or SLURM_PROCID are set); "
                "let the launcher start the ranks, or leave out --nproc");
  if (!distributed_built_in()) throw Error(distributed_unavailable_reason());
  const int total = threads > 0 ? threads : available_cores();
  const int per_rank = std::max(1, total / o.nproc);
  const int port = free_loopback_port();
  const std::vector<std::string> args = worker_arguments(own_arguments(), per_rank);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (announce)
    *announce << "data-parallel: " << o.nproc << " ranks on 127.0.0.1:" << port << ", " << per_rank << " thread(s) each" << std::endl;
  // Ctrl-C reaches the workers (same process group): they stop together and save; we wait.
  signal(SIGINT, SIG_IGN);
  std::vector<pid_t> pids;
  for (int r = 0; r < o.nproc; ++r) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("--nproc: cannot start rank " + std::to_string(r) + ": " + std::strerror(errno));
    if (pid == 0) {
      signal(SIGINT, SIG_DFL);
      setenv("RANK", std::to_string(r).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(o.nproc).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::execv("/proc/self/exe", argv.data());
      std::fprintf(stderr, "shortrun: --nproc: cannot start rank %d: %s\n", r, std::strerror(errno));
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  // Wait for every rank. After the first failure the others get --dist-timeout (+30 s) to notice
  // and end on their own; whoever is left then is stopped.
  int status_out = 0;
  size_t left = pids.size();
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool termed = false;
  while (left > 0) {
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid > 0) {
      size_t r = 0;
      while (r < pids.size() && pids[r] != pid) ++r;
      if (r == pids.size()) continue;
      pids[r] = -1;
      --left;
      int code = 0;
      if (WIFSIGNALED(st)) {
        code = 128 + WTERMSIG(st);
        if (!termed) std::fprintf(stderr, "shortrun: --nproc: rank %zu ended by signal %d (%s)\n", r, WTERMSIG(st), strsignal(WTERMSIG(st)));
      } else if (WIFEXITED(st)) {
        code = WEXITSTATUS(st);
      }
      if (code != 0 && status_out == 0) {
        status_out = code;
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s + 30);
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (pid_t p : pids)
        if (p > 0) ::kill(p, termed ? SIGKILL : SIGTERM);
      if (!termed) std::fprintf(stderr, "shortrun: --nproc: stopping the ranks still running %d s after one failed\n", o.timeout_s + 30);
      termed = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status_out;
}

std::unique_ptr<DistGroup> join_data_parallel(const DataParallelOptions& o, bool cuda) {
  const LaunchEnv env = launch_env_from_environment();
  if (!env.present || env.world == 1) {
    if (o.backend == "nccl" && !distributed_built_in()) throw Error(distributed_unavailable_reason());
    return nullptr;
  }
  if (!distributed_built_in()) throw Error(distributed_unavailable_reason());
  const std::string backend = o.backend == "auto" ? (cuda ? "nccl" : "gloo") : o.backend;
  if (cuda && backend == "gloo")
    std::cerr << "shortrun: rank " << env.rank << ": gloo on a CUDA device copies every gradient through the CPU" << std::endl;
  return connect_group(env, backend, std::chrono::seconds(o.timeout_s));
}

void start_together(DistGroup* g, const std::function<void()>& prepare, const std::function<std::string()>& settings) {
  if (!g) return prepare();
  std::exception_ptr failed;
  try {
    prepare();
  } catch (const Error& e) {
    failed = std::make_exception_ptr(Error(g->who() + ": " + e.what()));
  } catch (...) {
    failed = std::current_exception();
  }
  if (any_rank(g, failed != nullptr, "start")) {
    if (failed) std::rethrow_exception(failed);
    throw Error(g->who() + ": another rank could not start (see its message); stopping");
  }
  check_same_settings(*g, settings());
}

struct RankHeartbeat::State {
  std::unique_ptr<DistGroup> side;
  double period_s = 1;
  std::atomic<bool> cancel{false};
  std::mutex mutex;
  std::condition_variable wake;
  bool done = false, abandon = false;
  std::string failure;  // under mutex
};

RankHeartbeat::RankHeartbeat(DistGroup* g, double period_s) {
  if (!g) return;
  state_ = std::make_shared<State>();
  state_->side = g->side_group("heartbeat");
  state_->period_s = period_s;
  thread_ = std::thread([s = state_] {
    for (;;) {
      bool done = false;
      {
        std::unique_lock<std::mutex> lock(s->mutex);
        s->wake.wait_for(lock, std::chrono::duration<double>(s->period_s), [&] { return s->done || s->abandon; });
        if (s->abandon) return;
        done = s->done;
      }
      // Every rank takes part in every round; the rounds end when all say they are done.
      torch::Tensor t = torch::tensor({done ? 1.0 : 0.0}, torch::kFloat64);
      try {
        s->side->all_reduce(t, ReduceOp::kMin, "liveness check");
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(s->mutex);
        s->failure = e.what();
        s->cancel = true;
        return;
      }
      if (t.item<double>() == 1.0) return;
    }
  });
}

RankHeartbeat::~RankHeartbeat() {
  if (!thread_.joinable()) return;
  // An error on the way out: no more rounds; the thread may be inside one, which ends when the
  // other ranks notice this one is gone (it holds its own share of the state).
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->abandon = true;
  }
  state_->wake.notify_all();
  thread_.detach();
}

const std::atomic<bool>* RankHeartbeat::cancel() const { return state_ ? &state_->cancel : nullptr; }

void RankHeartbeat::check() const {
  if (!state_ || !state_->cancel) return;
  std::lock_guard<std::mutex> lock(state_->mutex);
  throw Error(state_->failure);
}

void RankHeartbeat::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->done = true;
  }
  state_->wake.notify_all();
  thread_.join();
  check();
}

}  // namespace shortrun::cli

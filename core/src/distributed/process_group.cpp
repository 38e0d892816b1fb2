// The c10d process group (process_group.h): TCPStore rendezvous + ProcessGroupGloo; errors in one line.
#include "shortrun/distributed/process_group.h"

#include <atomic>

#include "shortrun/base/error.h"

#ifdef SHORTRUN_HAVE_C10D_GLOO
#include <dlfcn.h>

#include <cstdlib>
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace shortrun {
namespace {

std::atomic<DistGroup*> g_active{nullptr};

// The first line of an exception's message, without c10's backtrace.
std::string first_line(const std::exception& e) {
  std::string s = e.what();
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) s = c->what_without_backtrace();
  const size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

#ifdef SHORTRUN_HAVE_C10D_GLOO
class GlooGroup : public DistGroup {
 public:
  GlooGroup(const LaunchEnv& env, std::chrono::seconds timeout) : DistGroup(env.rank, env.world, double(timeout.count())) {
    // c10d reports its failures through glog as several lines of its own; ours is the one line.
    // (glog is LibTorch's, loaded with it; GLOG_minloglevel, if the user set it, is kept.)
    if (!std::getenv("GLOG_minloglevel"))
      if (auto* level = static_cast<int32_t*>(dlsym(RTLD_DEFAULT, "_ZN3fLI17FLAGS_minloglevelE"))) *level = 3;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    c10d::TCPStoreOptions o;
    o.port = uint16_t(env.port);
    o.isServer = env.rank == 0;
    o.numWorkers = size_t(env.world);
    o.waitWorkers = true;
    o.timeout = ms;
    const std::string where = env.addr + ":" + std::to_string(env.port);
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(env.addr, o);
    } catch (const std::exception& e) {
      throw Error(who() + ": " + (env.rank == 0 ? "could not open the rendezvous at " + where + " (port in use? another MASTER_PORT)"
                                                : "could not reach rank 0 at " + where + " (wrong MASTER_ADDR/MASTER_PORT, or rank 0 not started)") +
                  " within " + std::to_string(timeout.count()) + " s: " + first_line(e));
    }
    auto options = c10d::ProcessGroupGloo::Options::create(ms);
    try {
      // Loopback launches (--nproc, tests) stay on 127.0.0.1; other jobs use the interface named by
      // GLOO_SOCKET_IFNAME, or the one this host's name resolves to.
      if (env.addr == "127.0.0.1" || env.addr == "localhost")
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("shortrun", store_), env.rank,
                                                         env.world, options);
    } catch (const std::exception& e) {
      throw Error(who() + ": could not connect to the other ranks through " + where + " within " +
                  std::to_string(timeout.count()) + " s: " + first_line(e));
    }
  }

  void all_reduce(torch::Tensor& t, ReduceOp op, const char* what) override {
    c10d::AllreduceOptions o;
    o.reduceOp = op == ReduceOp::kSum ? c10d::ReduceOp::SUM : op == ReduceOp::kMax ? c10d::ReduceOp::MAX : c10d::ReduceOp::MIN;
    std::vector<at::Tensor> ts{t};
    run(what, [&] { return pg_->allreduce(ts, o); });
  }

  void broadcast(torch::Tensor& t, int root, const char* what) override {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    std::vector<at::Tensor> ts{t};
    run(what, [&] { return pg_->broadcast(ts, o); });
  }

 private:
  template <class Start>
  void run(const char* what, Start start) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      auto work = start();
      work->wait();
    } catch (const std::exception& e) {
      throw Error(who() + ": " + what + " failed (another rank stopped or died, the network failed, or it waited past --dist-timeout " +
                  std::to_string(int64_t(timeout_s_)) + " s): " + first_line(e));
    }
    comm_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};
#endif

}  // namespace

bool distributed_built_in() {
#ifdef SHORTRUN_HAVE_C10D_GLOO
  return true;
#else
  return false;
#endif
}

std::string distributed_unavailable_reason() {
  return "this shortrun was built without data-parallel support (LibTorch's c10d Gloo headers were not found at build time: "
         "Debian's libtorch-dev with libgloo-dev has them, PyPI's LibTorch lacks gloo/); --nproc, --backend and a launcher's "
         "WORLD_SIZE > 1 are refused";
}

std::unique_ptr<DistGroup> connect_group(const LaunchEnv& env, const std::string& backend, std::chrono::seconds timeout) {
  if (backend != "gloo" && backend != "nccl") throw Error("--backend must be gloo or nccl, got '" + backend + "'");
  if (backend == "nccl")
    throw Error("--backend nccl: this build has no NCCL process group (only Gloo, over CPU tensors); use --backend gloo");
#ifdef SHORTRUN_HAVE_C10D_GLOO
  return std::make_unique<GlooGroup>(env, timeout);
#else
  (void)env;
  (void)timeout;
  throw Error(distributed_unavailable_reason());
#endif
}

DistGroup* active_group() { return g_active.load(); }
void set_active_group(DistGroup* group) { g_active.store(group); }

std::vector<double> all_reduce_values(DistGroup* g, std::vector<double> v, ReduceOp op, const char* what) {
  if (!g || v.empty()) return v;
  torch::Tensor t = torch::tensor(v, torch::dtype(torch::kFloat64));
  g->all_reduce(t, op, what);
  const double* p = t.data_ptr<double>();
  return std::vector<double>(p, p + v.size());
}

bool any_rank(DistGroup* g, bool v, const char* what) {
  if (!g) return v;
  return all_reduce_values(g, {v ? 1.0 : 0.0}, ReduceOp::kMax, what)[0] > 0;
}

}  // namespace shortrun

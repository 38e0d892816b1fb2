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
    options_ = options;
    where_ = where;
  }

  // A group of the same ranks over the same rendezvous under another prefix (side_group).
  GlooGroup(GlooGroup& parent, const std::string& name) : DistGroup(parent.rank_, parent.world_, parent.timeout_s_) {
    store_ = parent.store_;
    options_ = parent.options_;
    where_ = parent.where_;
    try {
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("shortrun/" + name, store_), rank_,
                                                         world_, options_);
    } catch (const std::exception& e) {
      throw Error(who() + ": could not connect to the other ranks through " + where_ + " (" + name + ") within " +
                  std::to_string(int64_t(timeout_s_)) + " s: " + first_line(e));
    }
  }

  std::unique_ptr<DistGroup> side_group(const std::string& name) override { return std::make_unique<GlooGroup>(*this, name); }

  ~GlooGroup() override {
    // After a failure the group is abandoned, not drained: each collective still queued (the
    // gradient buckets in flight) would wait out --dist-timeout in turn before the process could
    // say what happened and exit. Its threads end with the process.
    if (failed_) (void)pg_.release();
  }

  void all_reduce(torch::Tensor& t, ReduceOp op, const char* what) override {
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    std::vector<at::Tensor> ts{t};
    run(what, [&] { return pg_->allreduce(ts, o); });
  }

  std::unique_ptr<PendingCollective> all_reduce_async(torch::Tensor t, ReduceOp op, const char* what) override {
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    std::vector<at::Tensor> ts{t};
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = pg_->allreduce(ts, o);
    } catch (const std::exception& e) {
      throw failure(what, e);
    }
    return std::make_unique<Pending>(*this, std::move(work), std::move(t), what);
  }

  void broadcast(torch::Tensor& t, int root, const char* what) override {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    std::vector<at::Tensor> ts{t};
    run(what, [&] { return pg_->broadcast(ts, o); });
  }

  std::vector<torch::Tensor> gather(const torch::Tensor& t, int root, const char* what) override {
    c10d::GatherOptions o;
    o.rootRank = root;
    std::vector<at::Tensor> in{t};
    std::vector<std::vector<at::Tensor>> out;
    if (rank_ == root) {
      out.emplace_back();
      for (int r = 0; r < world_; ++r) out[0].push_back(torch::empty_like(t));
    }
    run(what, [&] { return pg_->gather(out, in, o); });
    return out.empty() ? std::vector<torch::Tensor>{} : out[0];
  }

 private:
  class Pending : public PendingCollective {
   public:
    Pending(GlooGroup& g, c10::intrusive_ptr<c10d::Work> work, torch::Tensor t, const char* what)
        : g_(g), work_(std::move(work)), t_(std::move(t)), what_(what) {}
    void wait() override {
      if (!work_) return;
      const auto t0 = std::chrono::steady_clock::now();
      try {
        work_->wait();
      } catch (const std::exception& e) {
        work_.reset();
        throw g_.failure(what_, e);
      }
      work_.reset();
      g_.comm_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    // Not waited for (an exception on the way): Gloo's work object keeps its tensors alive.
   private:
    GlooGroup& g_;
    c10::intrusive_ptr<c10d::Work> work_;
    torch::Tensor t_;  // kept alive until the collective is done
    const char* what_;
  };

  static c10d::ReduceOp reduce_op(ReduceOp op) {
    return op == ReduceOp::kSum ? c10d::ReduceOp::SUM : op == ReduceOp::kMax ? c10d::ReduceOp::MAX : c10d::ReduceOp::MIN;
  }

  Error failure(const char* what, const std::exception& e) {
    failed_ = true;
    return Error(who() + ": " + what + " failed (another rank stopped or died, the network failed, or it waited past --dist-timeout " +
                 std::to_string(int64_t(timeout_s_)) + " s): " + first_line(e));
  }

  template <class Start>
  void run(const char* what, Start start) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      auto work = start();
      work->wait();
    } catch (const std::exception& e) {
      throw failure(what, e);
    }
    comm_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> options_;
  std::string where_;
  bool failed_ = false;  // a collective failed: other ranks are gone or hung
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

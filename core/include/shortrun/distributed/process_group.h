// A data-parallel process group over PyTorch's own c10d (Gloo on CPUs): rendezvous through
// c10d's TCPStore at MASTER_ADDR:MASTER_PORT, then collectives with a timeout. Every failure (a
// rank that died, an unreachable rank 0, a port in use, a timeout) becomes one Error line that
// names this rank. Built only where LibTorch's Gloo headers were found (SHORTRUN_HAVE_C10D_GLOO).
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shortrun/distributed/launch_env.h"

namespace shortrun {

enum class ReduceOp { kSum, kMax, kMin };

// A collective started and not yet waited for (all_reduce_async).
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  // Blocks until it is done (or throws the one-line Error all_reduce would); the time blocked
  // counts in the group's comm_seconds().
  virtual void wait() = 0;
};

class DistGroup {
 public:
  virtual ~DistGroup() = default;
  int rank() const { return rank_; }
  int world() const { return world_; }
  // "rank 1 of 2": how this rank names itself in messages.
  std::string who() const { return "rank " + std::to_string(rank_) + " of " + std::to_string(world_); }
  // In place on a contiguous CPU tensor (float, double or int64); `what` names the step in errors.
  virtual void all_reduce(torch::Tensor& t, ReduceOp op, const char* what) = 0;
  virtual void broadcast(torch::Tensor& t, int root, const char* what) = 0;
  // all_reduce started in the background (Gloo's own threads) while the caller goes on: `t` must
  // stay alive and untouched until wait(). Every rank must start its collectives in the same order.
  virtual std::unique_ptr<PendingCollective> all_reduce_async(torch::Tensor t, ReduceOp op, const char* what) = 0;
  // Every rank passes a contiguous CPU tensor of the same shape and dtype; `root` gets all of them
  // in rank order (its own included), the other ranks an empty vector.
  virtual std::vector<torch::Tensor> gather(const torch::Tensor& t, int root, const char* what) = 0;
  // A group of the same ranks over the same rendezvous whose collectives never mix with this
  // one's (a heartbeat on a thread of its own). Every rank makes it at the same point.
  virtual std::unique_ptr<DistGroup> side_group(const std::string& name) = 0;
  // Seconds a collective may wait for the other ranks.
  double timeout_s() const { return timeout_s_; }
  // Seconds spent in all_reduce/broadcast so far (the benchmark's communication share).
  double comm_seconds() const { return comm_s_; }

 protected:
  DistGroup(int rank, int world, double timeout_s) : rank_(rank), world_(world), timeout_s_(timeout_s) {}
  int rank_, world_;
  double timeout_s_;
  double comm_s_ = 0;
};

// Whether this build has a backend ("gloo"), and a line saying what it lacks otherwise.
bool distributed_built_in();
std::string distributed_unavailable_reason();

// Joins the group: rank 0 opens the store on env.port, the others connect to env.addr within
// `timeout`. backend: "gloo" (CPU) or "nccl" (refused: not built in). Throws Error on failure.
std::unique_ptr<DistGroup> connect_group(const LaunchEnv& env, const std::string& backend, std::chrono::seconds timeout);

// The group the process trains in (set by the CLI; nullptr: a single process).
DistGroup* active_group();
void set_active_group(DistGroup* group);

// Sums (or maxes) a vector of numbers over the ranks (identity without a group).
std::vector<double> all_reduce_values(DistGroup* g, std::vector<double> v, ReduceOp op, const char* what);
// True on every rank if it is true on any (identity without a group).
bool any_rank(DistGroup* g, bool v, const char* what);

}  // namespace shortrun

// `shortrun train`'s data-parallel options (issue 27): --nproc N starts N local worker processes
// (127.0.0.1, a free port, the threads split between them); under torchrun or srun the launcher's
// environment makes this process one rank of the job.
#pragma once
#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "shortrun/distributed/process_group.h"

namespace shortrun::cli {

struct DataParallelOptions {
  int nproc = 0;               // 0/1: no local launch
  std::string backend = "auto";  // auto: gloo on CPU (nccl is not built in)
  int timeout_s = 300;         // --dist-timeout
};
void add_data_parallel_options(CLI::App& cmd, DataParallelOptions& o);

// With --nproc N > 1 and no launcher environment: starts N copies of this command (without
// --nproc, each with --threads T/N), waits for them and returns the exit status to use (the
// first failing rank's). Returns -1 when there is nothing to launch. `announce` gets the line
// saying where the ranks meet (nullptr: none, e.g. when stdout carries an output).
int launch_local_workers(const DataParallelOptions& o, int threads, std::ostream* announce = &std::cout);

// This process's group from the launcher's environment (nullptr: a single process). Refuses
// --backend/--nproc without support and bad variables in one line.
std::unique_ptr<DistGroup> join_data_parallel(const DataParallelOptions& o, bool cuda);

// `sample` and `eval` (issue 27): every rank runs `prepare` (open the model, read inputs); if it
// throws on any rank, every rank stops with one line (its own error, or that another rank could
// not start) instead of waiting for the others until --dist-timeout. Then the ranks compare their
// `settings` (a JSON object's text) with rank 0's. Without a group: prepare() only.
void start_together(DistGroup* g, const std::function<void()>& prepare, const std::function<std::string()>& settings);

// While each rank runs its share of the chains on its own (no collective for minutes), a thread
// checks about once a second, over a side group, that every rank is still there. A rank that died,
// or hangs past --dist-timeout, sets cancel() (the sampler stops between two steps) and check()
// throws that one line. finish() once this rank is done: it waits until every rank is. Leaving
// without finish() (an error on the way) stops the checks at once; the other ranks then notice.
class RankHeartbeat {
 public:
  explicit RankHeartbeat(DistGroup* g, double period_s = 1.0);  // nullptr: does nothing
  ~RankHeartbeat();
  RankHeartbeat(const RankHeartbeat&) = delete;
  RankHeartbeat& operator=(const RankHeartbeat&) = delete;
  const std::atomic<bool>* cancel() const;
  void check() const;
  void finish();

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// Makes `g` the trainer's group for the scope.
class ActiveGroupScope {
 public:
  explicit ActiveGroupScope(DistGroup* g) { set_active_group(g); }
  ~ActiveGroupScope() { set_active_group(nullptr); }
  ActiveGroupScope(const ActiveGroupScope&) = delete;
  ActiveGroupScope& operator=(const ActiveGroupScope&) = delete;
};

}  // namespace shortrun::cli

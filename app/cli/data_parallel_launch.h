// `shortrun train`'s data-parallel options (issue 27): --nproc N starts N local worker processes
// (127.0.0.1, a free port, the threads split between them); under torchrun or srun the launcher's
// environment makes this process one rank of the job.
#pragma once
#include <memory>
#include <string>

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
// first failing rank's). Returns -1 when there is nothing to launch.
int launch_local_workers(const DataParallelOptions& o, int threads);

// This process's group from the launcher's environment (nullptr: a single process). Refuses
// --backend/--nproc without support and bad variables in one line.
std::unique_ptr<DistGroup> join_data_parallel(const DataParallelOptions& o, bool cuda);

// Makes `g` the trainer's group for the scope.
class ActiveGroupScope {
 public:
  explicit ActiveGroupScope(DistGroup* g) { set_active_group(g); }
  ~ActiveGroupScope() { set_active_group(nullptr); }
  ActiveGroupScope(const ActiveGroupScope&) = delete;
  ActiveGroupScope& operator=(const ActiveGroupScope&) = delete;
};

}  // namespace shortrun::cli

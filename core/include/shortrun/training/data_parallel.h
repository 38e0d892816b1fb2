// The trainer's side of data-parallel learning (issue 27): this rank's slice of the global batch
// (global chain indices, so the union of the ranks' chains is the single-process run), means
// reduced over ranks with each rank's batch share as weight, gradients reduced likewise, and
// which rank writes the run directory. Without a process group every call is the identity.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shortrun/distributed/grad_sync.h"
#include "shortrun/distributed/launch_env.h"
#include "shortrun/distributed/process_group.h"

namespace shortrun {

struct DataParallel {
  DistGroup* group = nullptr;  // nullptr: a single process
  BatchSlice slice;            // this rank's part of the global batch
  bool overlap = true;         // reduce gradients during the backward (SHORTRUN_DP_OVERLAP=0: after it)
  mutable std::shared_ptr<OverlappedGradReducer> reducer;  // made at the first backward

  // For the process's active group (process_group.h) and a global batch; refuses settings it
  // cannot split (a batch smaller than the world, --init persistent) in one line, and checks
  // that every rank runs the same settings (settings_json).
  static DataParallel join(int64_t batch, const std::string& init, const std::string& settings_json);

  bool active() const { return group != nullptr; }
  bool writer() const { return !group || group->rank() == 0; }
  // Each value is this rank's mean over its slice; returns the global batch means.
  std::vector<double> means(std::vector<double> local, const char* what) const;
  // Each parameter's gradient of this rank's mean loss becomes the gradient of the global mean.
  void reduce_gradients(const std::vector<torch::Tensor>& params) const;
  // loss.backward(), then each parameter's gradient is the global mean's: reduced bucket by bucket
  // while the backward runs (OverlappedGradReducer), or after it with SHORTRUN_DP_OVERLAP=0 in
  // the environment (the benchmark's "before").
  void backward(const torch::Tensor& loss, const std::vector<torch::Tensor>& params) const;
  // True everywhere if true on any rank (a stop request).
  bool any(bool v) const { return any_rank(group, v, "stop check"); }
  // Copies rank 0's values into every rank's tensors (in place).
  void broadcast_from_writer(const std::vector<torch::Tensor>& tensors) const;
};

}  // namespace shortrun

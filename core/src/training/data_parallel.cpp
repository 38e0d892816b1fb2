// Data-parallel hooks of the trainer (data_parallel.h).
#include "shortrun/training/data_parallel.h"

#include <cstdlib>

#include "shortrun/base/error.h"
#include "shortrun/distributed/grad_sync.h"
#include "shortrun/distributed/settings_check.h"

namespace shortrun {

DataParallel DataParallel::join(int64_t batch, const std::string& init, const std::string& settings_json) {
  DataParallel dp;
  dp.group = active_group();
  if (!dp.group) {
    dp.slice = BatchSlice{0, batch, 1.0};
    return dp;
  }
  // Every rank reaches the settings check, so a refusal below is said on every rank.
  check_same_settings(*dp.group, settings_json);
  if (init == "persistent")
    throw Error(dp.group->who() + ": --init persistent is not supported with more than one rank (its replay buffer is one "
                "shared pool); use --init uniform, gaussian or data, or train in one process");
  if (const char* v = std::getenv("SHORTRUN_DP_OVERLAP")) dp.overlap = std::string(v) != "0";
  try {
    dp.slice = batch_slice(batch, dp.group->rank(), dp.group->world());
  } catch (const Error& e) {
    throw Error(dp.group->who() + ": " + e.what());
  }
  return dp;
}

std::vector<double> DataParallel::means(std::vector<double> local, const char* what) const {
  if (!group) return local;
  for (double& v : local) v *= slice.weight;
  return all_reduce_values(group, std::move(local), ReduceOp::kSum, what);
}

void DataParallel::reduce_gradients(const std::vector<torch::Tensor>& params) const {
  if (group) shortrun::reduce_gradients(*group, params, slice.weight);
}

void DataParallel::backward(const torch::Tensor& loss, const std::vector<torch::Tensor>& params) const {
  if (!group || !overlap) {
    loss.backward();
    reduce_gradients(params);
    return;
  }
  if (!reducer || !reducer->covers(params)) reducer = std::make_shared<OverlappedGradReducer>(*group, params, slice.weight);
  reducer->arm();
  loss.backward();
  reducer->finish();
}

void DataParallel::broadcast_from_writer(const std::vector<torch::Tensor>& tensors) const {
  if (!group) return;
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& t : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous().clone();
    group->broadcast(c, 0, "weights broadcast");
    t.detach().copy_(c);
  }
}

}  // namespace shortrun

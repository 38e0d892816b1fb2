// Data-parallel gradient reduction: each rank's gradients, scaled by its share of the global
// batch, summed over the ranks in a few flat buckets (one all-reduce per bucket, not per tensor).
#pragma once
#include <vector>

#include <torch/torch.h>

#include "shortrun/distributed/process_group.h"

namespace shortrun {

// p.grad() ← Σ_ranks weight_r · p.grad()_r for every parameter (an undefined gradient counts as
// zeros), packed into flat buckets of at most bucket_bytes. With weight_r = n_r / B the result is
// the gradient of the global batch mean. Every rank must pass the same parameter list.
void reduce_gradients(DistGroup& group, const std::vector<torch::Tensor>& params, double weight,
                      int64_t bucket_bytes = int64_t(32) << 20);

}  // namespace shortrun

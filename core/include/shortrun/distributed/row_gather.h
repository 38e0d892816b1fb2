// Collecting the ranks' rows on rank 0 (`sample` and `eval` split their chains over ranks): each
// rank holds a few rows of one table, rank 0 needs them all in rank order, bit for bit.
#pragma once
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "shortrun/distributed/process_group.h"

namespace shortrun {

// Every rank passes its rows `mine` ([rows[rank], ...], the trailing shape and dtype alike on all
// ranks) and every rank's row count. Rank 0 gets the ranks' rows concatenated in rank order
// ([Σ rows, ...], on the CPU); the others get an undefined tensor. One Gloo gather, each rank's
// rows padded to the largest count.
torch::Tensor gather_rows(DistGroup& group, const torch::Tensor& mine, const std::vector<int64_t>& rows, const char* what);

}  // namespace shortrun

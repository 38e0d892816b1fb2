// gather_rows (row_gather.h): pad to the largest share, one gather, trim on rank 0.
#include "shortrun/distributed/row_gather.h"

#include <algorithm>

#include "shortrun/base/error.h"

namespace shortrun {

torch::Tensor gather_rows(DistGroup& group, const torch::Tensor& mine, const std::vector<int64_t>& rows, const char* what) {
  if (rows.size() != size_t(group.world()) || mine.dim() < 1 || mine.size(0) != rows[size_t(group.rank())])
    throw Error(group.who() + ": " + what + ": this rank's rows do not match the share it was given");
  const int64_t most = *std::max_element(rows.begin(), rows.end());
  std::vector<int64_t> shape = mine.sizes().vec();
  shape[0] = most;
  torch::Tensor padded = torch::zeros(shape, mine.options().device(torch::kCPU));
  if (mine.size(0) > 0) padded.narrow(0, 0, mine.size(0)).copy_(mine);
  const std::vector<torch::Tensor> all = group.gather(padded, 0, what);
  if (group.rank() != 0) return torch::Tensor();
  std::vector<torch::Tensor> parts;
  for (size_t r = 0; r < all.size(); ++r) parts.push_back(all[r].narrow(0, 0, rows[r]));
  return torch::cat(parts);
}

}  // namespace shortrun

// Bucketed gradient all-reduce (grad_sync.h).
#include "shortrun/distributed/grad_sync.h"

namespace shortrun {

void reduce_gradients(DistGroup& group, const std::vector<torch::Tensor>& params, double weight, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  while (i < params.size()) {
    // One bucket: consecutive parameters of one dtype up to bucket_bytes (at least one tensor).
    std::vector<torch::Tensor> grads;
    int64_t bytes = 0;
    const auto dtype = params[i].scalar_type();
    size_t j = i;
    for (; j < params.size() && params[j].scalar_type() == dtype; ++j) {
      const int64_t b = params[j].numel() * int64_t(params[j].element_size());
      if (!grads.empty() && bytes + b > bucket_bytes) break;
      torch::Tensor& g = params[j].mutable_grad();
      if (!g.defined()) g = torch::zeros_like(params[j]);
      grads.push_back(g);
      bytes += b;
    }
    std::vector<torch::Tensor> flat_parts;
    for (const torch::Tensor& g : grads) flat_parts.push_back(g.reshape({-1}).to(torch::kCPU));
    torch::Tensor flat = torch::cat(flat_parts);
    if (weight != 1.0) flat.mul_(weight);
    group.all_reduce(flat, ReduceOp::kSum, "gradient all-reduce");
    int64_t at = 0;
    for (torch::Tensor& g : grads) {
      g.copy_(flat.narrow(0, at, g.numel()).view(g.sizes()));
      at += g.numel();
    }
    i = j;
  }
}

}  // namespace shortrun

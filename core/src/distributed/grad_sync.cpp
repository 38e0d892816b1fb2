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

OverlappedGradReducer::OverlappedGradReducer(DistGroup& group, std::vector<torch::Tensor> params, double weight,
                                             int64_t bucket_bytes)
    : group_(group), params_(std::move(params)), weight_(weight) {
  // Buckets over the parameters in reverse (backward reaches the last layers first), one dtype each.
  int64_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const int64_t b = params_[k].numel() * int64_t(params_[k].element_size());
    const bool fresh = buckets_.empty() || bytes + b > bucket_bytes ||
                       params_[buckets_.back().params.front()].scalar_type() != params_[k].scalar_type();
    if (fresh) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().params.push_back(k);
    bytes += b;
  }
}

OverlappedGradReducer::~OverlappedGradReducer() {
  for (const auto& [k, handle] : hooks_) params_[k].remove_hook(handle);
}

bool OverlappedGradReducer::covers(const std::vector<torch::Tensor>& params) const {
  if (params.size() != params_.size()) return false;
  for (size_t k = 0; k < params.size(); ++k)
    if (!params[k].is_same(params_[k])) return false;
  return true;
}

void OverlappedGradReducer::arm() {
  // The hooks are put on once and stay (a removed hook leaves a slot behind in 1.13, so hooks
  // put on every iteration would pile up); they act only between arm() and finish().
  if (hooks_.empty())
    for (size_t i = 0; i < buckets_.size(); ++i)
      for (size_t slot = 0; slot < buckets_[i].params.size(); ++slot) {
        const size_t k = buckets_[i].params[slot];
        if (params_[k].requires_grad())
          hooks_.emplace_back(k, params_[k].register_hook([this, i, slot](const torch::Tensor& g) { on_grad(i, slot, g); }));
      }
  next_ = 0;
  started_early_ = 0;
  for (Bucket& b : buckets_) {
    b.grads.assign(b.params.size(), torch::Tensor());
    b.ready = 0;
    b.flat = torch::Tensor();
    b.work.reset();
  }
  in_backward_ = true;
}

void OverlappedGradReducer::on_grad(size_t bucket, size_t slot, const torch::Tensor& grad) {
  if (!in_backward_) return;  // a backward outside arm() .. finish() (none in the trainer)
  Bucket& b = buckets_[bucket];
  if (b.grads[slot].defined()) {  // a second gradient for one parameter: summed, as .grad would
    b.grads[slot] = b.grads[slot] + grad.detach();
    return;
  }
  b.grads[slot] = grad.detach();
  if (++b.ready == b.params.size()) start_ready();
}

void OverlappedGradReducer::start_ready() {
  // In bucket order, so every rank starts the same collectives in the same order.
  while (next_ < buckets_.size() && buckets_[next_].ready == buckets_[next_].params.size()) {
    if (in_backward_) ++started_early_;
    start(buckets_[next_++]);
  }
}

void OverlappedGradReducer::start(Bucket& b) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (size_t slot = 0; slot < b.params.size(); ++slot) {
    const torch::Tensor& p = params_[b.params[slot]];
    // No hook call for it: whatever backward accumulated in p.grad (else zeros).
    const torch::Tensor g = b.grads[slot].defined() ? b.grads[slot] : p.grad().defined() ? p.grad() : torch::zeros_like(p);
    parts.push_back(g.reshape({-1}).to(torch::kCPU));
  }
  b.flat = torch::cat(parts);
  if (weight_ != 1.0) b.flat.mul_(weight_);
  b.work = group_.all_reduce_async(b.flat, ReduceOp::kSum, "gradient all-reduce");
}

void OverlappedGradReducer::finish() {
  torch::NoGradGuard no_grad;
  in_backward_ = false;
  // A bucket with a parameter that got no gradient: zeros for it, then the rest in order.
  for (Bucket& b : buckets_) b.ready = b.params.size();
  start_ready();
  for (Bucket& b : buckets_) {
    b.work->wait();
    int64_t at = 0;
    for (size_t k : b.params) {
      torch::Tensor& g = params_[k].mutable_grad();
      if (!g.defined()) g = torch::zeros_like(params_[k]);
      g.copy_(b.flat.narrow(0, at, g.numel()).view(g.sizes()));
      at += g.numel();
    }
    b.work.reset();
    b.grads.clear();
  }
}

}  // namespace shortrun

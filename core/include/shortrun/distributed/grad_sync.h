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

// The same reduction overlapped with the backward pass (as DDP does): a hook on every parameter
// (put on at the first arm(), acting only between arm() and finish()); the buckets are filled in reverse parameter order (the order backward produces the
// gradients) and each bucket's all-reduce starts in the background as soon as its last gradient
// is there, in bucket order on every rank. finish(), after backward, starts what is left (a
// parameter that got no gradient counts as zeros), waits for all of them and writes p.grad.
// Each element is the same sum as reduce_gradients' (two ranks: bit for bit).
class OverlappedGradReducer {
 public:
  OverlappedGradReducer(DistGroup& group, std::vector<torch::Tensor> params, double weight,
                        int64_t bucket_bytes = int64_t(1) << 20);
  ~OverlappedGradReducer();  // removes the hooks
  OverlappedGradReducer(const OverlappedGradReducer&) = delete;
  OverlappedGradReducer& operator=(const OverlappedGradReducer&) = delete;
  void arm();
  void finish();
  // Whether it was made for exactly these parameter tensors.
  bool covers(const std::vector<torch::Tensor>& params) const;
  size_t buckets() const { return buckets_.size(); }
  // Buckets whose all-reduce started inside backward (the overlapped ones), in the last backward.
  size_t started_early() const { return started_early_; }

 private:
  struct Bucket {
    std::vector<size_t> params;       // indices into params_
    std::vector<torch::Tensor> grads;  // per slot, as the hooks deliver them
    size_t ready = 0;
    torch::Tensor flat;
    std::unique_ptr<PendingCollective> work;
  };
  void on_grad(size_t bucket, size_t slot, const torch::Tensor& grad);
  void start_ready();
  void start(Bucket& b);

  DistGroup& group_;
  std::vector<torch::Tensor> params_;
  double weight_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<size_t, unsigned>> hooks_;  // (parameter, hook handle)
  size_t next_ = 0;                                 // the next bucket to start
  size_t started_early_ = 0;
  bool in_backward_ = false;
};

}  // namespace shortrun

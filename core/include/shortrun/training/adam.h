// Adam with its state as plain named tensors, so a checkpoint can hold it and a resumed run
// continues bit-identically. Same update as torch.optim.Adam (no weight decay, no amsgrad).
#pragma once
#include <vector>

#include <torch/torch.h>

#include "shortrun/io/torch_pickle.h"

namespace shortrun {

struct AdamOptions {
  double lr = 1e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

class Adam {
 public:
  Adam(std::vector<torch::Tensor> params, AdamOptions options);
  void zero_grad();
  void step();  // uses each parameter's .grad()

  AdamOptions& options() { return options_; }
  int64_t step_count() const { return step_; }
  // State as "adam/step", "adam/m/<i>", "adam/v/<i>" (the parameter index i).
  NamedTensors state() const;
  void load_state(const NamedTensors& state, const std::string& origin);

 private:
  std::vector<torch::Tensor> params_, m_, v_;
  AdamOptions options_;
  int64_t step_ = 0;
};

}  // namespace shortrun

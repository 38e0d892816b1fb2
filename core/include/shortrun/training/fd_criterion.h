// tune-sampler's criterion as a reusable piece: the Fréchet distance of N short-run samples
// against the LAST N training images (disjoint from the first N that eval's floor uses; the test
// split is never looked at), in the penultimate layer of a feature net.
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

#include "shortrun/model/energy_model.h"
#include "shortrun/training/features.h"
#include "shortrun/training/frechet.h"

namespace shortrun {

struct FdCriterion {
  std::unique_ptr<FeatureExtractor> features;
  GaussianStats reference;  // of the last n training images
  int64_t n = 0;
  std::string data;         // the data spec it was made from
  double fd(const torch::Tensor& samples) const;  // [n,C,H,W] samples -> FD against the reference
};

// Loads the feature net (`features_path`; TorchScript must pass the allowlist unless trust_code)
// and the training split of `data` (fashion-mnist | idx:PATH | cifar10:DIR | folder:DIR) at the
// model's size, checks it has n images of the model's channels, and fits the reference.
FdCriterion load_fd_criterion(const std::string& data, const std::string& features_path, int64_t n,
                              const EnergyModel& model, torch::Device device, bool trust_code);

}  // namespace shortrun

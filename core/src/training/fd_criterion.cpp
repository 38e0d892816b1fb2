// load_fd_criterion: the feature net and the last N training images as a Gaussian reference.
#include "shortrun/training/fd_criterion.h"

#include "shortrun/base/error.h"
#include "shortrun/io/datasets.h"

namespace shortrun {

double FdCriterion::fd(const torch::Tensor& samples) const {
  return frechet_distance(gaussian_stats(features->features(samples)), reference);
}

FdCriterion load_fd_criterion(const std::string& data, const std::string& features_path, int64_t n,
                              const EnergyModel& model, torch::Device device, bool trust_code) {
  if (n < 2) throw Error("the FD criterion needs n of at least 2");
  FdCriterion c;
  c.features = load_feature_extractor(features_path, device, trust_code);
  DataOptions d;
  d.image_size = model.shape().height;
  d.split = "train";
  const torch::Tensor train = load_dataset(data, d).images;
  if (train.size(0) < n)
    throw Error("the training split of " + data + " has " + std::to_string(train.size(0)) + " images; --n " +
                std::to_string(n) + " needs as many");
  if (train.size(1) != model.shape().channels)
    throw Error("the data's images have " + std::to_string(train.size(1)) + " channels; the model expects " + model.shape().str());
  c.reference = gaussian_stats(c.features->features(train.narrow(0, train.size(0) - n, n)));
  c.n = n;
  c.data = data;
  return c;
}

}  // namespace shortrun

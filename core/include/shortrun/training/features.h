// Feature spaces for evaluation. The Inception net FID uses cannot be downloaded here, so a
// small classifier trained on the data (`shortrun train-features`) supplies the features: its
// penultimate layer. Any TorchScript module mapping [N,C,H,W] in [-1,1] to [N,D] (or [N,D,1,1])
// can stand in for it, e.g. an exported Inception for real FID elsewhere.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include "shortrun/io/datasets.h"

namespace shortrun {

// conv3x3(32)-pool-conv3x3(64)-pool-conv3x3(128)-pool-fc(feature_dim)-fc(classes), ReLU.
class FeatureNetImpl : public torch::nn::Module {
 public:
  FeatureNetImpl(int64_t channels, int64_t image_size, int64_t feature_dim = 128, int64_t classes = 10);
  torch::Tensor features(const torch::Tensor& x);  // [N,D], after the ReLU
  torch::Tensor forward(const torch::Tensor& x);   // logits [N,classes]
  int64_t channels, image_size, feature_dim, classes;

 private:
  torch::nn::Conv2d c1{nullptr}, c2{nullptr}, c3{nullptr};
  torch::nn::Linear fc{nullptr}, head{nullptr};
};
TORCH_MODULE(FeatureNet);

class FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;
  virtual torch::Tensor features(const torch::Tensor& x) = 0;  // no grad, [N,D] float64 on CPU
  virtual std::string description() const = 0;
};

struct FeatureTrainConfig {
  int64_t epochs = 4, batch = 128;
  double lr = 1e-3;
  uint64_t seed = 1;
  int64_t feature_dim = 128;
};

struct FeatureTrainResult {
  double test_accuracy = 0;
  double seconds = 0;
};

// Trains on labelled data and writes a .safetensors with the accuracy in its metadata.
// on_epoch(epoch, train_loss, test_accuracy) reports progress.
FeatureTrainResult train_feature_net(const torch::Tensor& train_x, const torch::Tensor& train_y,
                                     const torch::Tensor& test_x, const torch::Tensor& test_y,
                                     const FeatureTrainConfig& config, const std::string& out_path,
                                     const std::string& data_description,
                                     const std::function<void(int64_t, double, double)>& on_epoch = nullptr);

// A native feature net (.safetensors from train_feature_net) or a TorchScript module, which must
// pass the operator allowlist of torchscript_guard.h unless trust_code (it then runs any code).
std::unique_ptr<FeatureExtractor> load_feature_extractor(const std::string& path, torch::Device device,
                                                         bool trust_code = false);

// Class labels of Debian's Fashion-MNIST split ("train" | "test"), int64 [N].
torch::Tensor fashion_mnist_labels(const std::string& split);

}  // namespace shortrun

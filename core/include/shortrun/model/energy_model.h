// EnergyModel: f(x) -> [N] for x in [N,C,H,W], whatever the net came from (native net,
// TorchScript module, imported PyTorch state_dict), plus the model card that describes it.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include "shortrun/model/arch.h"
#include "shortrun/model/energy_net.h"
#include "shortrun/model/model_card.h"
#include "shortrun/model/sampler_config.h"

namespace shortrun {

class EnergyModel {
 public:
  virtual ~EnergyModel() = default;
  // x: [N,C,H,W] on device(); returns f(x): [N]. Differentiable w.r.t. x and the weights.
  virtual torch::Tensor energy(const torch::Tensor& x) = 0;
  virtual std::vector<torch::Tensor> parameters() = 0;
  virtual void to(torch::Device device) = 0;
  virtual void train(bool on) = 0;

  torch::Device device() const { return device_; }
  const ModelCard& card() const { return card_; }
  ModelCard& card() { return card_; }
  const DataShape& shape() const { return card_.shape; }
  int64_t parameter_count();
  // Turns requires_grad off/on for every weight (sampling never needs weight gradients).
  void set_weights_trainable(bool on);

 protected:
  ModelCard card_;
  torch::Device device_ = torch::kCPU;
};

// A native ConvNet/ResNet.
class NativeEnergyModel : public EnergyModel {
 public:
  explicit NativeEnergyModel(const ArchSpec& spec);
  torch::Tensor energy(const torch::Tensor& x) override;
  std::vector<torch::Tensor> parameters() override;
  void to(torch::Device device) override;
  void train(bool on) override { net_->train(on); }

  std::shared_ptr<EnergyNetImpl> net() { return net_; }
  // Named weights (e.g. "f.0.weight"), in registration order.
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  // Copies weights in by name; throws if names or shapes differ (message lists the first mismatch).
  void load_named_parameters(const std::vector<std::pair<std::string, torch::Tensor>>& params,
                             const std::string& origin);

 private:
  std::shared_ptr<EnergyNetImpl> net_;
};

// How to treat a TorchScript module: it is a program, not just weights.
struct ModelLoadOptions {
  // Accept any module, whatever operators it uses; its code then runs with this process's
  // rights (it can read, write or delete files). Off: only the allowlisted pure tensor
  // operators of torchscript_guard.h.
  bool trust_code = false;
  // C,H,W the module takes. Default: its model card (extra file model_card.json), else found
  // by running forward at 32x32, 64x64 and 28x28 (when run_forward allows).
  std::optional<DataShape> input_shape;
  // Whether loading may run forward (to find or check the input shape). `info` says no: it
  // describes a file without running any of its code.
  bool run_forward = true;
};

// A TorchScript module saved with torch.jit.save; output [N], [N,1] or [N,1,1,1].
class TorchScriptEnergyModel : public EnergyModel {
 public:
  // card: the module's model card, if it carries one (its data shape and sampler defaults).
  TorchScriptEnergyModel(torch::jit::Module module, const std::string& origin,
                         const std::optional<ModelCard>& card = std::nullopt, const ModelLoadOptions& options = {});
  torch::Tensor energy(const torch::Tensor& x) override;
  std::vector<torch::Tensor> parameters() override;
  void to(torch::Device device) override;
  void train(bool on) override { module_.train(on); }
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;

 private:
  torch::jit::Module module_;
  std::string origin_;
};

// "1,32,32" -> DataShape (DataShape::validate's bounds); throws Error naming `what` (e.g.
// "--input-shape") otherwise.
DataShape parse_data_shape(const std::string& text, const std::string& what);

}  // namespace shortrun

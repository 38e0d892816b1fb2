// Exponential moving average of the trained weights, and its checkpoint file.
#include "shortrun/training/ema.h"

#include <algorithm>

#include "shortrun/base/error.h"
#include "shortrun/model/checkpoint.h"

namespace shortrun {

EmaWeights::EmaWeights(const NativeEnergyModel& model, double decay, torch::Device device) : decay_(decay) {
  ema_ = std::make_unique<NativeEnergyModel>(*model.card().arch);
  ema_->load_named_parameters(model.named_parameters(), "the trained weights");
  ema_->to(device);
  ema_->set_weights_trainable(false);
}

double EmaWeights::decay_at(double decay, int64_t step) {
  return std::min(decay, double(1 + step) / double(10 + step));
}

void EmaWeights::update(const NativeEnergyModel& model, int64_t step) {
  torch::NoGradGuard no_grad;
  const double d = decay_at(decay_, step);
  const auto src = model.named_parameters(), dst = ema_->named_parameters();
  for (size_t i = 0; i < dst.size(); ++i) dst[i].second.mul_(d).add_(src[i].second.detach(), 1.0 - d);
}

int64_t EmaWeights::digest() const { return tensors_crc32(ema_->named_parameters()); }

void EmaWeights::save(const std::string& path, const ModelCard& card, int64_t iteration) const {
  ema_->card() = card;
  ema_->card().provenance["weights"] = "ema";
  ema_->card().provenance["ema_decay"] = decay_;
  ema_->card().provenance["iterations"] = iteration;
  save_checkpoint(path, *ema_);
}

NamedTensors EmaWeights::read(const std::string& path) const {
  LoadedCheckpoint loaded = load_checkpoint(path, torch::kCPU);
  if (loaded.model->card().arch->summary() != ema_->card().arch->summary())
    throw file_error(path, "holds EMA weights of " + loaded.model->card().arch->summary() + "; this run trains " +
                               ema_->card().arch->summary());
  return loaded.model->named_parameters();
}

void EmaWeights::install(const NamedTensors& weights, const std::string& origin) {
  ema_->load_named_parameters(weights, origin);
}

}  // namespace shortrun

// EMA weights of `train --ema DECAY`: θ_ema ← d·θ_ema + (1 − d)·θ after every optimiser step,
// kept beside each checkpoint in their own file (companion_path(X, "ema"), model/weights_choice.h).
#pragma once
#include <memory>
#include <string>

#include "shortrun/io/torch_pickle.h"
#include "shortrun/model/energy_model.h"

namespace shortrun {

class EmaWeights {
 public:
  // Starts at the model's current weights.
  EmaWeights(const NativeEnergyModel& model, double decay, torch::Device device);
  void update(const NativeEnergyModel& model);
  double decay() const { return decay_; }
  NativeEnergyModel& model() { return *ema_; }
  // CRC-32 of the weights: a checkpoint records it to know its own EMA file.
  int64_t digest() const;
  // A native checkpoint (loadable on its own by every command) whose card is `card` marked as EMA.
  void save(const std::string& path, const ModelCard& card, int64_t iteration) const;
  // Reads an EMA file of this architecture; throws Error naming the file otherwise. Returns the
  // weights without installing them (so a checkpoint's files are all checked before any is used).
  NamedTensors read(const std::string& path) const;
  void install(const NamedTensors& weights, const std::string& origin);

 private:
  double decay_;
  std::unique_ptr<NativeEnergyModel> ema_;
};

}  // namespace shortrun

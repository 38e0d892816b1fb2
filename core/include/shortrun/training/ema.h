// EMA weights of `train --ema DECAY`: θ_ema ← d_t·θ_ema + (1 − d_t)·θ after optimiser step t
// (t = 0, 1, ...), kept beside each checkpoint in their own file (companion_path(X, "ema"),
// model/weights_choice.h). d_t = min(DECAY, (1 + t) / (10 + t)) ramps up (TensorFlow's
// num_updates rule): with DECAY from the first step, the random initial weights kept DECAY^t of
// the average (22% after 1,500 steps at 0.999) and made the EMA model far worse than the raw one
// (BENCHMARKS.md, "Persistent or not").
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
  // After optimiser step `step` (0 for the first): the iteration, so a resumed run ramps the same.
  void update(const NativeEnergyModel& model, int64_t step);
  // d_t of the header comment.
  static double decay_at(double decay, int64_t step);
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

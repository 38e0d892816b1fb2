// The one cost model of every job (chains, reconstruction, OOD scores, K × step sheets, A/B
// comparisons, long runs): work counted in chain-steps (one f(x) and ∇f(x) of one image), rates
// measured per model and device, and a cold-start rate from the model's size until a job measures one.
#pragma once
#include <cstdint>
#include <string>

#include "worker/snapshots.h"

namespace shortrun::explorer {

// What one unit of each kind of work costs in chain-steps.
enum class WorkKind {
  kChainStep,  // one Langevin step of one chain (forward + input gradient)
  kEval,       // one f(x) of one image (forward only): OOD scores
  kReconStep,  // one step of one chain inside a reconstruction iteration (forward + backward through it)
  kCount
};
double chain_steps_per_unit(WorkKind kind);

// Floating-point work of one chain-step, from the parameter count and the image size (calibrated on
// the reference conv nets: about 0.4 GFLOP for n_f = 64 at 32×32).
double cold_flops_per_chain_step(int64_t parameters, const ImageShape& image);
// What a device sustains on such nets before anything is measured (per torch thread on a CPU).
double cold_flops_per_second(const std::string& device, int threads);
// The cold estimate of one chain-step: a fixed cost (the step's many small ops, the noise, the
// explorer's per-step bookkeeping, shared by the chains of one batch: taken at the default 16)
// plus the flops at the device's rate. Small nets are bound by the first, large ones by the second.
double cold_seconds_per_chain_step(int64_t parameters, const ImageShape& image, const std::string& device, int threads);

class CostBook {
 public:
  // A new model (or the same on another device or thread count): every measured rate goes.
  void reset(uint64_t model_id, const std::string& device, int threads, int64_t parameters, const ImageShape& image);
  // Starts afresh when `m` is not the model the rates were measured on; true if it did.
  bool follow(const ModelInfo& m);
  // A job did `units` of `kind` in `seconds` (ignored when too short to mean anything).
  void record(WorkKind kind, double units, double seconds);
  // Seconds for `units` of `kind`: that kind's measured rate, else the chains' rate, else cold.
  double seconds(WorkKind kind, double units) const;
  bool measured(WorkKind kind) const { return per_s_[int(kind)] > 0; }
  bool any_measured() const;
  // Chain-steps per second used for pricing now (measured, or the cold estimate).
  double chain_steps_per_s() const;
  // "measured on this model" / "estimated from the model's size (2.8 M parameters), not yet measured".
  std::string basis() const;
  uint64_t model_id() const { return model_id_; }
  // Tests and scripts: a measured chains rate as if a run had measured it.
  void set_measured_for_test(double chain_steps_per_s) { per_s_[int(WorkKind::kChainStep)] = chain_steps_per_s; }

 private:
  uint64_t model_id_ = 0;
  std::string device_;
  int threads_ = 0;
  int64_t parameters_ = 0;
  double cold_per_s_ = 0;                     // chain-steps/s before any measurement
  double per_s_[int(WorkKind::kCount)] = {};  // measured chain-steps/s per kind (0: not yet)
};

}  // namespace shortrun::explorer

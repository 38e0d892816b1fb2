// SamplerConfig: the short-run Langevin sampler's settings as plain data + JSON.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace shortrun {

// A pixel is saturated when |x| >= 0.99: a chain pushed it to the edge of the data range [-1, 1].
// Training's evaluation and the analysis views count saturated pixels with this one level.
constexpr double kSaturatedLevel = 0.99;

struct SamplerConfig {
  int64_t steps = 100;            // K
  double step_size = 1.0;         // multiplies ∇f
  double noise_std = 0.01;        // multiplies u_k ~ N(0, I)
  std::string init = "uniform";   // z ~ U(-1,1) ("uniform") or N(0,1) ("gaussian")
  uint64_t seed = 1;
  bool clamp = false;             // clamp x to [-1,1] after every step (the paper does not)
  // Chains per network evaluation. oneDNN picks its convolution algorithm by batch size, so
  // a chain's floating-point result depends on how many chains share its batch; evaluating
  // in fixed-size chunks (the last one padded) makes chain i bit-identical for any n.
  // 0: all chains in one batch (fastest for large n, exact replay only at the same n).
  int64_t chunk = 16;
  // Arithmetic of f and ∇f: "exact" (float32, deterministic cuDNN, no TF32: the reference
  // numerics), "tf32" (CUDA: TF32 convolutions with cuDNN autotuning) or "bf16" (bf16
  // autocast with channels_last; on the CPU only where it has AVX512-BF16 or AMX).
  std::string precision = "exact";
  // Metropolis-adjusted Langevin: each step is a proposal accepted or rejected under
  // p(x) ∝ exp(f(x)/temperature) (higher f = more likely). Off by default: the paper's
  // generator is the unadjusted chain. Needs noise_std > 0 and no clamp.
  bool mala = false;
  double temperature = 1.0;
  // CUDA: capture one whole step (f, ∇f, update) in a CUDA graph and replay it K times.
  bool cuda_graph = true;

  void validate() const;  // throws shortrun::Error
};

void to_json(nlohmann::json& j, const SamplerConfig& c);
// Missing fields keep their defaults; present ones are validated.
void from_json(const nlohmann::json& j, SamplerConfig& c);

}  // namespace shortrun

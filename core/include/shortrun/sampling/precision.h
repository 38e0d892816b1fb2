// Precision modes of f and ∇f (SamplerConfig::precision): exact | tf32 | bf16. A scope sets
// them around sampling and restores what was there; bf16 on the CPU is refused where the CPU
// has no native bf16 arithmetic (oneDNN would fall back to slow reference kernels).
#pragma once
#include <mutex>
#include <string>

#include <torch/torch.h>

namespace shortrun {

// True when this CPU has AVX512-BF16 or AMX-BF16 (cpuid) and DNNL_MAX_CPU_ISA does not hide them.
bool cpu_has_native_bf16();

// Throws shortrun::Error (one line) if `mode` cannot run on `device`.
void check_precision(const std::string& mode, torch::Device device);

// For its lifetime: exact → no TF32, deterministic cuDNN, no autotuning; tf32 → TF32 and cuDNN
// autotuning; bf16 → bf16 autocast on `device` for this thread (plus the tf32 flags on CUDA,
// and autocast's weight-cast cache off, so a captured graph never replays stale weight copies).
// What is global: the cuDNN/TF32 flags. CUDA scopes therefore hold one process-wide lock for
// their lifetime: scopes of different threads run one after another (nesting in one thread is
// fine). Autocast and its cache are per thread.
class PrecisionScope {
 public:
  PrecisionScope(const std::string& mode, torch::Device device);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;
  bool autocast() const { return autocast_; }

 private:
  bool tf32_cudnn_, tf32_cublas_, benchmark_, deterministic_;
  bool autocast_ = false, autocast_was_ = false, cache_was_ = true;
  torch::Device device_;
  std::unique_lock<std::recursive_mutex> flags_lock_;  // CUDA only: the global flags are ours
};

}  // namespace shortrun

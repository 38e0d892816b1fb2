// Precision scopes: global cuDNN/TF32 flags and thread-local autocast, set and restored; the
// autocast calls differ between LibTorch 1.x-2.3 and 2.4+, so both spellings live here only.
#include "shortrun/sampling/precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cctype>
#include <cstdlib>
#include <mutex>

#include "shortrun/base/error.h"

// The device-type autocast API (is_autocast_enabled(DeviceType), ...) arrived in PyTorch 2.4;
// 2.0-2.3 still have only the per-backend calls 1.13 has.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define SHORTRUN_AUTOCAST_BY_DEVICE_TYPE 1
#else
#define SHORTRUN_AUTOCAST_BY_DEVICE_TYPE 0
#endif

namespace shortrun {
namespace {

// cuDNN/TF32 flags are process-wide: CUDA scopes of different threads (the explorer's sampler,
// views and trainer) take turns, so one thread never runs under another's flags or restores
// them in the middle of another's run. Same-thread nesting is allowed.
std::recursive_mutex& cuda_flags_owner() {
  static std::recursive_mutex m;
  return m;
}

bool autocast_enabled(torch::Device d) {
#if SHORTRUN_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(d.type());
#else
  return d.is_cuda() ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void set_autocast(torch::Device d, bool on) {
#if SHORTRUN_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(d.type(), at::kBFloat16);
  at::autocast::set_autocast_enabled(d.type(), on);
#else
  if (d.is_cuda()) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(on);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(on);
  }
#endif
}

}  // namespace

// oneDNN honours DNNL_MAX_CPU_ISA (or ONEDNN_MAX_CPU_ISA): below AVX512_CORE_BF16 it has no bf16
// convolutions at all ("could not create a primitive descriptor").
bool onednn_isa_allows_bf16() {
  const char* isa = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (!isa) isa = std::getenv("DNNL_MAX_CPU_ISA");
  if (!isa || !*isa) return true;
  std::string v(isa);
  for (auto& ch : v) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const char* ok : {"ALL", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX10"})
    if (v.rfind(ok, 0) == 0) return true;
  return false;
}

bool cpu_has_native_bf16() {
  if (!onednn_isa_allows_bf16()) return false;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 1, a, b, c, d);
  const bool avx512_bf16 = a & (1u << 5);
  __cpuid_count(7, 0, a, b, c, d);
  const bool amx_bf16 = d & (1u << 22);
  return avx512_bf16 || amx_bf16;
#else
  return false;
#endif
}

void check_precision(const std::string& mode, torch::Device device) {
  if (mode == "exact") return;
  if (mode == "tf32") {
    // Only name bf16 as the alternative where this CPU can run it.
    if (!device.is_cuda())
      throw Error(std::string("--precision tf32 is a CUDA mode (TF32 tensor cores); on the CPU use exact") +
                  (cpu_has_native_bf16() ? " or bf16" : ""));
    return;
  }
  if (mode == "bf16") {
    if (!device.is_cuda() && !cpu_has_native_bf16())
      throw Error("--precision bf16 needs a CPU with AVX512-BF16 or AMX (this one has neither, so bf16 would be slower "
                  "than float32); use exact");
    return;
  }
  throw Error("precision '" + mode + "' is unknown; expected exact, tf32 or bf16");
}

PrecisionScope::PrecisionScope(const std::string& mode, torch::Device device) : device_(device) {
  check_precision(mode, device);
  if (device.is_cuda()) flags_lock_ = std::unique_lock<std::recursive_mutex>(cuda_flags_owner());
  auto& ctx = at::globalContext();
  tf32_cudnn_ = ctx.allowTF32CuDNN();
  tf32_cublas_ = ctx.allowTF32CuBLAS();
  benchmark_ = ctx.benchmarkCuDNN();
  deterministic_ = ctx.deterministicCuDNN();
  if (device.is_cuda()) {
    const bool fast = mode != "exact";
    ctx.setAllowTF32CuDNN(fast);
    ctx.setAllowTF32CuBLAS(fast);
    ctx.setBenchmarkCuDNN(fast);
    ctx.setDeterministicCuDNN(!fast);
  }
  if (mode == "bf16") {
    autocast_was_ = autocast_enabled(device);
    set_autocast(device, true);
    autocast_ = true;
    // Autocast's cast cache keeps bf16 copies of weights that require grad: a CUDA graph
    // captured after a warm-up would replay those copies while the trainer updates the weights
    // (PyTorch's make_graphed_callables refuses autocast with the cache on for this reason).
    if (device.is_cuda()) {
      cache_was_ = at::autocast::is_autocast_cache_enabled();
      at::autocast::set_autocast_cache_enabled(false);
    }
  }
}

PrecisionScope::~PrecisionScope() {
  if (autocast_) {
    set_autocast(device_, autocast_was_);
    if (!autocast_was_) at::autocast::clear_cache();
    if (device_.is_cuda()) at::autocast::set_autocast_cache_enabled(cache_was_);
  }
  if (device_.is_cuda()) {
    auto& ctx = at::globalContext();
    ctx.setAllowTF32CuDNN(tf32_cudnn_);
    ctx.setAllowTF32CuBLAS(tf32_cublas_);
    ctx.setBenchmarkCuDNN(benchmark_);
    ctx.setDeterministicCuDNN(deterministic_);
  }
}

}  // namespace shortrun

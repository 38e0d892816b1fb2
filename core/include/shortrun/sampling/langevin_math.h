// The per-element arithmetic of one Langevin step, shared by the CPU loop and the CUDA kernel
// (so the CPU tests cover the kernel's arithmetic): y = (x + s·g) + σ·u, each product and sum
// rounded once in the tensor's type (float32; float64 on the CPU for gradient checks) as
// PyTorch's eager `x + s * g + sigma * u` does, then an optional clamp that keeps NaN (so
// non-finite chains are still seen and frozen).
#pragma once
#include "shortrun/sampling/philox_noise.h"

namespace shortrun::langevin {

SHORTRUN_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);  // no FMA contraction on the device
#else
  return a * b;
#endif
}
SHORTRUN_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
SHORTRUN_HD double mul_rn(double a, double b) { return a * b; }  // CPU only
SHORTRUN_HD double add_rn(double a, double b) { return a + b; }

struct StepParams {
  double step_size = 1.0, noise_std = 0.0;  // rounded to the tensor's type, as eager scalars are
  bool noisy = false, clamp = false;
};

template <typename T>
SHORTRUN_HD T step_element(T x, T g, T u, const StepParams& p) {
  T y = add_rn(x, mul_rn(static_cast<T>(p.step_size), g));
  if (p.noisy) y = add_rn(y, mul_rn(static_cast<T>(p.noise_std), u));
  if (p.clamp) y = y < T(-1) ? T(-1) : (y > T(1) ? T(1) : y);
  return y;
}

template <typename T>
SHORTRUN_HD bool finite(T v) { return v - v == T(0); }  // false for NaN and ±Inf, no libm

// Noise streams (the Philox counter's stream word).
enum Stream : uint32_t {
  kInitUniform = 0,
  kInitGauss = 1,
  kLangevin = 3,
  kData = 5,
  kBatch = 7,
  kMisc = 9,
  kAccept = 11,  // MALA's accept/reject uniforms
};

}  // namespace shortrun::langevin

// Per-element noise from Philox4x32-10 (Random123): the same bits in host C++ and in CUDA
// device code. Key = seed; counter = (chain, step, stream, element block), so every value
// is a pure function of where it is used and a chain replays whatever the batch.
#pragma once
#include <cmath>
#include <cstdint>

#include <Random123/philox.h>

#if defined(__CUDACC__)
#define SHORTRUN_HD __host__ __device__ __forceinline__
#else
#define SHORTRUN_HD inline
#endif

namespace shortrun::philox {

// Four 32-bit words for element block `block` (elements 4·block .. 4·block+3).
// Chain indices use 40 bits: the high byte shares the stream word.
SHORTRUN_HD r123::Philox4x32::ctr_type block(uint64_t seed, uint64_t chain, uint32_t step, uint32_t stream,
                                              uint32_t block) {
  r123::Philox4x32 rng;
  r123::Philox4x32::ctr_type ctr = {{static_cast<uint32_t>(chain), step,
                                     stream | (static_cast<uint32_t>(chain >> 32) << 8), block}};
  r123::Philox4x32::key_type key = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  return rng(ctr, key);
}

// The top 23 bits as a float in (0, 1): (k + 1/2)·2^-23 needs 24 significant bits, so it is
// exact in float32, and never 0 or 1.
SHORTRUN_HD float uniform01(uint32_t w) { return (static_cast<float>(w >> 9) + 0.5f) * (1.0f / 8388608.0f); }
// All 32 bits as a double in (0, 1), exact: (w + 1/2)·2^-32.
SHORTRUN_HD double uniform01_double(uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

// Box–Muller on two words -> two N(0,1) values. In double, so the float32 result does not
// hinge on float32 transcendental rounding (host libm and CUDA agree to the last float bit
// in all but rare ties).
SHORTRUN_HD void box_muller(uint32_t a, uint32_t b, float* n0, float* n1) {
  const double r = sqrt(-2.0 * log(uniform01_double(a)));
  const double t = 6.283185307179586476925 * uniform01_double(b);
  *n0 = static_cast<float>(r * cos(t));
  *n1 = static_cast<float>(r * sin(t));
}

// Element e of the N(0,1) stream: block e/4, lanes (0,1) and (2,3) are Box–Muller pairs.
SHORTRUN_HD float normal_at(uint64_t seed, uint64_t chain, uint32_t step, uint32_t stream, uint32_t e) {
  const r123::Philox4x32::ctr_type w = block(seed, chain, step, stream, e >> 2);
  float n0, n1;
  if ((e & 2u) == 0) box_muller(w.v[0], w.v[1], &n0, &n1);
  else box_muller(w.v[2], w.v[3], &n0, &n1);
  return (e & 1u) ? n1 : n0;
}

SHORTRUN_HD uint32_t bits_at(uint64_t seed, uint64_t chain, uint32_t step, uint32_t stream, uint32_t e) {
  return block(seed, chain, step, stream, e >> 2).v[e & 3u];
}

}  // namespace shortrun::philox

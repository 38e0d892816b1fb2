// Launchers of the CUDA kernels on the current CUDA stream (built with SHORTRUN_WITH_CUDA),
// or one clear error where this build has none.
#include "cuda_launch.h"

#include "shortrun/base/error.h"

#ifdef SHORTRUN_WITH_CUDA
#include <c10/cuda/CUDAStream.h>

#include "cuda/kernels.h"
#endif

namespace shortrun {

#ifdef SHORTRUN_WITH_CUDA
namespace {
void check(int rc, const char* what) {
  if (rc != 0) throw Error(std::string(what) + ": CUDA error " + std::to_string(rc));
}
void* current_stream() { return c10::cuda::getCurrentCUDAStream().stream(); }
}  // namespace

void launch_noise_fill(torch::Tensor& out, const torch::Tensor& chains, uint64_t seed, uint32_t step, uint32_t stream,
                       int kind) {
  cuda::NoiseFillArgs a;
  a.kind = kind == 1 ? cuda::NoiseKind::kNormal : kind == 2 ? cuda::NoiseKind::kBits : cuda::NoiseKind::kUniform01;
  a.out = out.data_ptr();
  a.chains = chains.data_ptr<int64_t>();
  a.n = out.size(0);
  a.count = out.size(1);
  a.seed = seed;
  a.step = step;
  a.stream = stream;
  check(cuda::noise_fill(a, current_stream()), "noise kernel");
}

void launch_langevin_update(torch::Tensor& x, const torch::Tensor& g, const langevin::StepParams& p,
                            const LangevinNoise& noise, torch::Tensor& alive, torch::Tensor* delta) {
  cuda::LangevinArgs a;
  a.x = x.data_ptr<float>();
  a.g = g.data_ptr<float>();
  a.u = noise.u.defined() ? noise.u.data_ptr<float>() : nullptr;
  a.delta = delta ? delta->data_ptr<float>() : nullptr;
  a.alive = alive.data_ptr<bool>();
  a.chains = noise.chains.defined() ? noise.chains.data_ptr<int64_t>() : nullptr;
  a.step_on_device = noise.step_on_device.defined() ? noise.step_on_device.data_ptr<int64_t>() : nullptr;
  a.step = noise.step;
  a.seed = noise.seed;
  a.n = x.size(0);
  a.d = x.numel() / std::max<int64_t>(1, a.n);
  a.p = p;
  check(cuda::langevin_update(a, current_stream()), "Langevin update kernel");
}
#else
void launch_noise_fill(torch::Tensor&, const torch::Tensor&, uint64_t, uint32_t, uint32_t, int) {
  throw Error("this build of shortrun has no CUDA kernels (built against a CPU LibTorch)");
}
void launch_langevin_update(torch::Tensor&, const torch::Tensor&, const langevin::StepParams&, const LangevinNoise&,
                            torch::Tensor&, torch::Tensor*) {
  throw Error("this build of shortrun has no CUDA kernels (built against a CPU LibTorch)");
}
#endif

}  // namespace shortrun

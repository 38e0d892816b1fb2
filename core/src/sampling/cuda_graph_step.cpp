// CUDA-graph capture of one Langevin step: warm up on a side stream (autograd, cuDNN and the
// caching allocator settle), capture, then replays read the step counter from device memory.
#include "cuda_graph_step.h"

#ifdef SHORTRUN_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/sampling/langevin_update.h"

namespace shortrun {

CudaGraphStep::CudaGraphStep(const LangevinSampler& sampler, const torch::Tensor& x0, bool observed) : observed_(observed) {
  const int64_t n = x0.size(0);
  const auto dev = x0.device();
  x = x0.detach().to(torch::kFloat32).contiguous().clone();
  chains = torch::arange(n, torch::TensorOptions().dtype(torch::kInt64).device(dev));
  step = torch::zeros({1}, chains.options());
  alive = torch::ones({n}, torch::TensorOptions().dtype(torch::kBool).device(dev));
  if (observed) {
    x_prev = torch::empty_like(x);
    delta = torch::empty_like(x);
    f = torch::empty({n}, x.options());
    grad_norm = torch::empty({n}, x.options());
  }
  c10::cuda::CUDAGuard device_guard(dev);
  c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
  side.synchronize();
  c10::cuda::getCurrentCUDAStream().synchronize();
  {
    c10::cuda::CUDAStreamGuard stream_guard(side);
    for (int i = 0; i < 3; ++i) body(sampler);  // warm-up, outside the graph
    side.synchronize();
    graph_ = std::make_unique<at::cuda::CUDAGraph>();
    graph_->capture_begin();
    try {
      body(sampler);
    } catch (...) {
      try {
        graph_->capture_end();
      } catch (...) {
      }
      throw;
    }
    graph_->capture_end();
  }
  side.synchronize();
}

bool CudaGraphStep::fits(const torch::Tensor& x0, bool observed) const {
  return observed == observed_ && x0.sizes() == x.sizes() && x0.device() == x.device();
}

void CudaGraphStep::body(const LangevinSampler& sampler) {
  const int64_t n = x.size(0);
  auto [fk, g] = sampler.energy_and_grad(x);
  if (observed_) {
    x_prev.copy_(x);
    f.copy_(fk);
    grad_norm.copy_(g.reshape({n, -1}).norm(2, 1));
  }
  torch::Tensor gc = g.to(torch::kFloat32).contiguous();
  LangevinNoise nz;
  nz.seed = sampler.config().seed;
  nz.chains = chains;
  nz.step_on_device = step;
  langevin_update(x, gc, sampler.step_params(), nz, alive, observed_ ? &delta : nullptr);
  step.add_(1);
}

void CudaGraphStep::reset(const torch::Tensor& x0, const torch::Tensor& c) {
  x.copy_(x0);
  chains.copy_(c);
  step.zero_();
  alive.fill_(true);
}

void CudaGraphStep::replay() { graph_->replay(); }

}  // namespace shortrun
#endif

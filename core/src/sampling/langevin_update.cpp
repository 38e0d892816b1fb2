// The fused Langevin update: argument checks, then one pass per chain on the CPU, or the CUDA
// kernel (cuda/langevin_kernels.cu) for CUDA tensors.
#include "shortrun/sampling/langevin_update.h"

#include <ATen/Parallel.h>

#include <vector>

#include "cuda_launch.h"
#include "shortrun/base/error.h"

namespace shortrun {

namespace {

// One pass per chain on the CPU; T is float, or double for gradient checks.
template <typename T>
void update_cpu(torch::Tensor& x, const torch::Tensor& g, const langevin::StepParams& p, const LangevinNoise& noise,
                torch::Tensor& alive, torch::Tensor* delta) {
  const int64_t n = x.size(0);
  const int64_t d = n ? x.numel() / n : 0;
  T* xs = x.data_ptr<T>();
  const T* gs = g.data_ptr<T>();
  const T* us = p.noisy && noise.u.defined() ? noise.u.data_ptr<T>() : nullptr;
  const torch::Tensor chains = p.noisy && !us ? noise.chains.to(torch::kCPU, torch::kInt64).contiguous() : torch::Tensor();
  const int64_t* cs = chains.defined() ? chains.data_ptr<int64_t>() : nullptr;
  T* ds = delta ? delta->data_ptr<T>() : nullptr;
  bool* alive_s = alive.data_ptr<bool>();
  const auto step = static_cast<uint32_t>(noise.step);
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> y(static_cast<size_t>(d)), u(static_cast<size_t>(p.noisy ? d : 0));
    for (int64_t i = begin; i < end; ++i) {
      const T* xi = xs + i * d;
      const T* gi = gs + i * d;
      if (p.noisy && us) {
        std::copy(us + i * d, us + (i + 1) * d, u.begin());
      } else if (p.noisy) {
        for (int64_t e = 0; e < d; e += 4) {
          const auto w = philox::block(noise.seed, static_cast<uint64_t>(cs[i]), step, langevin::kLangevin,
                                       static_cast<uint32_t>(e >> 2));
          float v[4];
          philox::box_muller(w.v[0], w.v[1], &v[0], &v[1]);
          philox::box_muller(w.v[2], w.v[3], &v[2], &v[3]);
          for (int64_t j = 0; j < 4 && e + j < d; ++j) u[size_t(e + j)] = static_cast<T>(v[j]);
        }
      }
      bool ok = true;
      for (int64_t j = 0; j < d; ++j) {
        y[size_t(j)] = langevin::step_element<T>(xi[j], gi[j], p.noisy ? u[size_t(j)] : T(0), p);
        ok = ok && langevin::finite(y[size_t(j)]);
      }
      const bool commit = ok && alive_s[i];
      T* di = ds ? ds + i * d : nullptr;
      T* xo = xs + i * d;
      for (int64_t j = 0; j < d; ++j) {
        if (di) di[j] = commit ? y[size_t(j)] - xo[j] : T(0);
        if (commit) xo[j] = y[size_t(j)];
      }
      if (!commit) alive_s[i] = false;
    }
  });
}

}  // namespace

void langevin_update(torch::Tensor& x, const torch::Tensor& g, const langevin::StepParams& p, const LangevinNoise& noise,
                     torch::Tensor& alive, torch::Tensor* delta) {
  const int64_t n = x.size(0);
  const auto type = x.scalar_type();
  const auto same = [&](const torch::Tensor& t) { return t.sizes() == x.sizes() && t.scalar_type() == type && t.is_contiguous(); };
  if ((type != torch::kFloat32 && type != torch::kFloat64) || !x.is_contiguous() || !same(g) || alive.numel() != n ||
      alive.scalar_type() != torch::kBool || (delta && !same(*delta)) ||
      (p.noisy && noise.u.defined() && (noise.u.numel() != x.numel() || noise.u.scalar_type() != type || !noise.u.is_contiguous())) ||
      (p.noisy && !noise.u.defined() && noise.chains.numel() != n))
    throw Error("langevin_update: inconsistent tensors (internal error)");
  if (x.is_cuda()) {
    if (type != torch::kFloat32) throw Error("langevin_update: CUDA chains are float32");
    return launch_langevin_update(x, g, p, noise, alive, delta);
  }
  if (noise.step < 0 || noise.step > 0xffffffffLL) throw Error("Langevin step " + std::to_string(noise.step) + " is out of range");
  if (type == torch::kFloat64) update_cpu<double>(x, g, p, noise, alive, delta);
  else update_cpu<float>(x, g, p, noise, alive, delta);
}

}  // namespace shortrun

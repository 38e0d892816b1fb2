// Fréchet distance via eigendecompositions (no general matrix square root needed).
#include "shortrun/training/frechet.h"

#include "shortrun/base/error.h"

namespace shortrun {

GaussianStats gaussian_stats(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2) throw Error("Fréchet statistics need at least two feature vectors [N,D]");
  const torch::Tensor f = features.to(torch::kCPU, torch::kFloat64);
  GaussianStats s;
  s.count = f.size(0);
  s.mean = f.mean(0);
  const torch::Tensor c = f - s.mean;
  s.cov = c.t().matmul(c) / double(s.count - 1);
  return s;
}

namespace {
// Symmetric PSD square root: V diag(√max(λ,0)) Vᵀ.
torch::Tensor sqrt_psd(const torch::Tensor& m) {
  const auto [evals, evecs] = torch::linalg_eigh((m + m.t()) / 2, "L");
  return evecs.matmul(torch::diag(evals.clamp_min(0).sqrt())).matmul(evecs.t());
}
}  // namespace

double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
  if (a.mean.sizes() != b.mean.sizes()) throw Error("Fréchet distance between features of different sizes");
  const torch::Tensor s1 = sqrt_psd(a.cov);
  const torch::Tensor m = s1.matmul(b.cov).matmul(s1);
  const torch::Tensor evals = torch::linalg_eigvalsh((m + m.t()) / 2, "L");
  const double tr_sqrt = evals.clamp_min(0).sqrt().sum().item<double>();
  const double mean_term = (a.mean - b.mean).pow(2).sum().item<double>();
  const double fd = mean_term + a.cov.trace().item<double>() + b.cov.trace().item<double>() - 2.0 * tr_sqrt;
  return std::max(fd, 0.0);
}

}  // namespace shortrun

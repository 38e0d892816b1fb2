// The Fréchet distance between Gaussians fitted to two feature sets (the formula behind FID):
//   FD = ‖μ1 − μ2‖² + tr(C1 + C2 − 2 (C1^½ C2 C1^½)^½),
// computed in float64 with symmetric eigendecompositions (C1^½ C2 C1^½ is symmetric PSD, so
// its square root's trace is the sum of the square roots of its eigenvalues).
#pragma once
#include <torch/torch.h>

namespace shortrun {

struct GaussianStats {
  torch::Tensor mean;  // [D] float64
  torch::Tensor cov;   // [D,D] float64 (unbiased)
  int64_t count = 0;
};

GaussianStats gaussian_stats(const torch::Tensor& features);  // [N,D], N ≥ 2
double frechet_distance(const GaussianStats& a, const GaussianStats& b);

}  // namespace shortrun

// Interpolation between noise endpoints of the short-run generator x = M_θ(z, u).
//   linear:    z_ρ = (1−ρ)·z1 + ρ·z2
//   spherical: z_ρ = √(1−ρ²)·z1 + ρ·z2 — the paper's ρ·z1 + √(1−ρ²)·z2 with the endpoints
//              named so that ρ = 0 is z1 and ρ = 1 is z2, as for the linear path.
// What each path does to the initial distribution: a linear mix of two independent U(−1,1)
// vectors is not uniform — at ρ = ½ it is triangular on [−1,1] with variance 1/6 instead of
// 1/3, so mid-path chains start from lower-contrast noise. The spherical path keeps the
// variance (weights² sum to 1): Gaussian endpoints stay exactly N(0,1) all along; uniform ones
// keep variance 1/3 but not their shape, and may leave [−1,1] (up to ±√2 at ρ = 1/√2).
// Noise along the path: "fixed" uses endpoint 1's u_k everywhere (ρ = 1 is then M(z2, u1));
// "mixed" mixes u1 and u2 with the same weights as z, so ρ = 0 and ρ = 1 are exactly the two
// endpoint chains; "off" runs noise-free.
#pragma once
#include <string>
#include <utility>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

struct InterpolationSpec {
  std::string path = "spherical";  // linear | spherical
  std::string noise = "fixed";     // fixed | mixed | off
  int64_t points = 10;             // ρ = 0, 1/(points−1), ..., 1
  std::vector<double> rhos;        // explicit ρ values in [0,1]; when set, `points` is ignored
  void validate() const;
};

// Weights (a, b) with z_ρ = a·z1 + b·z2.
std::pair<double, double> path_weights(const std::string& path, double rho);

struct Endpoint {
  uint64_t seed = 1;
  int64_t chain = 0;
};

struct InterpolationResult {
  torch::Tensor rho;     // [R]
  torch::Tensor x;       // [P,R,C,H,W] generated images, P endpoint pairs
  torch::Tensor energy;  // [P,R] f(M(z_ρ))
};

// Called after each Langevin step k = 0..K of an interpolation (a GUI's progress bar).
using StepProgress = std::function<void(int64_t step, int64_t steps)>;

// P pairs given as z ([P,C,H,W] each) and the noise of each endpoint's chain.
InterpolationResult interpolate(const LangevinSampler& sampler, const torch::Tensor& z1, const torch::Tensor& z2,
                                const NoiseFn& noise1, const NoiseFn& noise2, const InterpolationSpec& spec,
                                const std::atomic<bool>* cancel = nullptr, const StepProgress& progress = nullptr);

// P pairs (e1[p], e2[p]); z and u of an endpoint are those of its chain under its seed.
InterpolationResult interpolate(const LangevinSampler& sampler, const std::vector<Endpoint>& e1,
                                const std::vector<Endpoint>& e2, const InterpolationSpec& spec,
                                const std::atomic<bool>* cancel = nullptr, const StepProgress& progress = nullptr);

}  // namespace shortrun

// Toy target densities for the 2-D playground: 8 Gaussians on a ring, two moons, two spirals,
// a checkerboard, one Gaussian, or any density given as a grid (an image); samples addressable
// by (seed, iteration) like all of the project's noise, exact moments, density on a grid.
#pragma once
#include <array>
#include <string>

#include <torch/torch.h>

#include "shortrun/sampling/noise.h"

namespace shortrun {

class Toy2dTarget {
 public:
  // "ring8", "moons", "spirals", "checkerboard", "gaussian:MX,MY,SIGMA" or "image:PATH" (a
  // PNG/JPEG whose brightness is the density over the box, top row at y = +box).
  static Toy2dTarget from_spec(const std::string& spec);
  static Toy2dTarget gaussian(double mx, double my, double sigma);
  // density: [H,W] >= 0 (not all 0) over [-box, box]², row 0 at y = +box; constant in each cell.
  static Toy2dTarget from_grid(const torch::Tensor& density, double box = 4.0);

  const std::string& spec() const { return spec_; }
  // Half-width of the square the playground shows and initialises chains in.
  double box() const { return box_; }
  // n points [n,2] float32; a pure function of (noise seed, draw, n).
  torch::Tensor sample(int64_t n, const CounterNoise& noise, int64_t draw) const;
  // Exact mean and covariance (xx, xy, yx, yy) of the distribution sample() draws from.
  std::array<double, 2> mean() const;
  std::array<double, 4> covariance() const;
  // Density at the centres of a g×g grid over [-box, box]², row 0 at y = +box, summing to 1.
  torch::Tensor density_grid(int64_t g) const;

 private:
  enum class Kind { kRing8, kMoons, kSpirals, kCheckerboard, kGaussian, kGrid };
  Kind kind_ = Kind::kRing8;
  std::string spec_;
  double box_ = 4.0;
  double mx_ = 0, my_ = 0, sigma_ = 0;  // gaussian
  torch::Tensor grid_;                  // kGrid: [H,W] float64, sums to 1
  // Points of the curve a moons/spirals sample lies on, for parameter t in [0,1) and arm a.
  torch::Tensor curve(const torch::Tensor& t, const torch::Tensor& arm) const;
};

// The named targets the CLI and the playground offer.
const std::vector<std::string>& toy2d_target_names();

}  // namespace shortrun

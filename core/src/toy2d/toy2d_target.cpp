// The 2-D playground's target densities: sampling, exact moments, densities on a grid.
#include "shortrun/toy2d/toy2d_target.h"

#include <cmath>
#include <cstdio>

#include "shortrun/base/error.h"
#include "shortrun/io/image_io.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

namespace {
constexpr double kPi = 3.14159265358979323846;
// ring8: 8 Gaussians of std kRingSigma at radius kRingRadius.
constexpr double kRingRadius = 2.0, kRingSigma = 0.2;
// moons: scikit-learn's two moons, centred and scaled by kMoonScale, plus N(0, kMoonNoise²).
constexpr double kMoonScale = 2.0, kMoonNoise = 0.1;
// spirals: two arms r = kSpiralRadius·t, angle 3πt (+π), t ~ U(0,1), plus N(0, kSpiralNoise²).
constexpr double kSpiralRadius = 3.5, kSpiralTurns = 3.0 * kPi, kSpiralNoise = 0.1;
// checkerboard: uniform on the 8 cells (i + j even) of a 4×4 board of unit cells on [-2,2]².

// Centres of an h×w grid of cells over [-box, box]², [h*w, 2] row-major: x along columns, y from
// +box (row 0) down.
torch::Tensor cell_centres(int64_t h, int64_t w, double box) {
  const torch::Tensor cx = (torch::arange(w, torch::kFloat64) + 0.5) / double(w) * (2 * box) - box;
  const torch::Tensor cy = box - (torch::arange(h, torch::kFloat64) + 0.5) / double(h) * (2 * box);
  return torch::stack({cx.view({1, w}).expand({h, w}).reshape(-1), cy.view({h, 1}).expand({h, w}).reshape(-1)}, 1);
}

// Normalised mixture of isotropic Gaussians (centres [M,2]) evaluated at points [P,2].
torch::Tensor gaussian_mixture(const torch::Tensor& points, const torch::Tensor& centres, double sigma) {
  const torch::Tensor d2 = (points.unsqueeze(1) - centres.unsqueeze(0)).pow(2).sum(2);
  return (-d2 / (2 * sigma * sigma)).exp().mean(1);
}
}  // namespace

const std::vector<std::string>& toy2d_target_names() {
  static const std::vector<std::string> names = {"ring8", "moons", "spirals", "checkerboard"};
  return names;
}

Toy2dTarget Toy2dTarget::gaussian(double mx, double my, double sigma) {
  if (!(sigma > 0) || !std::isfinite(mx) || !std::isfinite(my)) throw Error("gaussian target: expected finite MX,MY and SIGMA > 0");
  Toy2dTarget t;
  t.kind_ = Kind::kGaussian;
  t.mx_ = mx;
  t.my_ = my;
  t.sigma_ = sigma;
  t.spec_ = "gaussian:" + std::to_string(mx) + "," + std::to_string(my) + "," + std::to_string(sigma);
  return t;
}

Toy2dTarget Toy2dTarget::from_grid(const torch::Tensor& density, double box) {
  if (density.dim() != 2 || density.size(0) < 1 || density.size(1) < 1)
    throw Error("grid target: expected a [H,W] density");
  torch::Tensor d = density.to(torch::kFloat64).contiguous();
  if (!torch::isfinite(d).all().item<bool>() || (d < 0).any().item<bool>() || !(d.sum().item<double>() > 0))
    throw Error("grid target: expected finite, non-negative values that are not all zero");
  Toy2dTarget t;
  t.kind_ = Kind::kGrid;
  t.grid_ = d / d.sum();
  t.box_ = box;
  t.spec_ = "grid";
  return t;
}

Toy2dTarget Toy2dTarget::from_spec(const std::string& spec) {
  Toy2dTarget t;
  t.spec_ = spec;
  if (spec == "ring8") t.kind_ = Kind::kRing8;
  else if (spec == "moons") t.kind_ = Kind::kMoons;
  else if (spec == "spirals") t.kind_ = Kind::kSpirals;
  else if (spec == "checkerboard") t.kind_ = Kind::kCheckerboard;
  else if (spec.rfind("gaussian:", 0) == 0) {
    double v[3];
    if (std::sscanf(spec.c_str() + 9, "%lf,%lf,%lf", &v[0], &v[1], &v[2]) != 3)
      throw Error("toy target '" + spec + "': expected gaussian:MX,MY,SIGMA");
    t = gaussian(v[0], v[1], v[2]);
    t.spec_ = spec;
  } else if (spec.rfind("image:", 0) == 0) {
    const std::string path = spec.substr(6);
    const torch::Tensor img = read_image(path);  // [C,H,W] in [-1,1]; brightness = density
    t = from_grid((img.mean(0) + 1) / 2);
    t.spec_ = spec;
  } else {
    throw Error("toy target '" + spec + "' is unknown; expected ring8, moons, spirals, checkerboard, gaussian:MX,MY,SIGMA or image:PATH");
  }
  return t;
}

torch::Tensor Toy2dTarget::curve(const torch::Tensor& t, const torch::Tensor& arm) const {
  if (kind_ == Kind::kMoons) {
    const torch::Tensor a = kPi * t;
    const torch::Tensor upper_x = a.cos(), upper_y = a.sin();
    const torch::Tensor x = torch::where(arm, 1 - upper_x, upper_x), y = torch::where(arm, 0.5 - upper_y, upper_y);
    return torch::stack({kMoonScale * (x - 0.5), kMoonScale * (y - 0.25)}, -1);
  }
  const torch::Tensor phi = kSpiralTurns * t + torch::where(arm, torch::full_like(t, kPi), torch::zeros_like(t));
  return torch::stack({kSpiralRadius * t * phi.cos(), kSpiralRadius * t * phi.sin()}, -1);
}

torch::Tensor Toy2dTarget::sample(int64_t n, const CounterNoise& noise, int64_t draw) const {
  const torch::Tensor chains = chain_range(draw * n, n, torch::kCPU);
  const torch::Tensor u = noise.uniform(chains, 0, NoiseStream::kData, {2}).to(torch::kFloat64);
  const torch::Tensor g = noise.normal(chains, 1, NoiseStream::kData, {2}).to(torch::kFloat64);
  const torch::Tensor u0 = u.select(1, 0);
  torch::Tensor x;
  switch (kind_) {
    case Kind::kGaussian:
      x = torch::tensor({mx_, my_}, torch::kFloat64) + sigma_ * g;
      break;
    case Kind::kRing8: {
      const torch::Tensor angle = (u0 * 8).floor().clamp_max(7) * (2 * kPi / 8);
      x = torch::stack({kRingRadius * angle.cos(), kRingRadius * angle.sin()}, 1) + kRingSigma * g;
      break;
    }
    case Kind::kMoons:
    case Kind::kSpirals: {
      // u0 picks the arm (below/above 1/2) and, rescaled, the position along it.
      const torch::Tensor arm = u0 >= 0.5, t = torch::where(arm, u0 * 2 - 1, u0 * 2);
      x = curve(t, arm) + (kind_ == Kind::kMoons ? kMoonNoise : kSpiralNoise) * g;
      break;
    }
    case Kind::kCheckerboard: {
      // Cell c = 0..7: row j = c / 2, column i = j % 2 + 2·(c % 2); uniform inside it.
      const torch::Tensor c = (u0 * 8).floor().clamp_max(7).to(torch::kInt64);
      const torch::Tensor j = c.div(2, "floor"), i = j.remainder(2) + 2 * c.remainder(2);
      const torch::Tensor v = noise.uniform(chains, 2, NoiseStream::kData, {2}).to(torch::kFloat64);
      x = torch::stack({i.to(torch::kFloat64) - 2 + v.select(1, 0), j.to(torch::kFloat64) - 2 + v.select(1, 1)}, 1);
      break;
    }
    case Kind::kGrid: {
      const int64_t h = grid_.size(0), w = grid_.size(1);
      const torch::Tensor cdf = grid_.reshape(-1).cumsum(0);
      const torch::Tensor cell = torch::searchsorted(cdf, u0.contiguous(), false, true).clamp_max(h * w - 1);
      const torch::Tensor row = cell.div(w, "floor"), col = cell.remainder(w);
      const torch::Tensor v = noise.uniform(chains, 2, NoiseStream::kData, {2}).to(torch::kFloat64);
      const double cw = 2 * box_ / double(w), ch = 2 * box_ / double(h);
      x = torch::stack({-box_ + (col.to(torch::kFloat64) + v.select(1, 0)) * cw, box_ - (row.to(torch::kFloat64) + v.select(1, 1)) * ch}, 1);
      break;
    }
  }
  return x.to(torch::kFloat32);
}

std::array<double, 2> Toy2dTarget::mean() const {
  if (kind_ == Kind::kGaussian) return {mx_, my_};
  if (kind_ == Kind::kGrid) {
    const torch::Tensor c = cell_centres(grid_.size(0), grid_.size(1), box_), p = grid_.reshape(-1);
    return {(p * c.select(1, 0)).sum().item<double>(), (p * c.select(1, 1)).sum().item<double>()};
  }
  return {0.0, 0.0};  // ring8, checkerboard, spirals: symmetric; moons: centred by construction
}

std::array<double, 4> Toy2dTarget::covariance() const {
  switch (kind_) {
    case Kind::kGaussian:
      return {sigma_ * sigma_, 0, 0, sigma_ * sigma_};
    case Kind::kRing8: {
      const double v = kRingRadius * kRingRadius / 2 + kRingSigma * kRingSigma;
      return {v, 0, 0, v};
    }
    case Kind::kMoons: {
      // Unit moons: Var x = 3/4, Var y = 9/16 − 1/π, Cov = 1/8 − 1/π (t ~ U(0,1) along each arm).
      const double s2 = kMoonScale * kMoonScale, n2 = kMoonNoise * kMoonNoise, c = s2 * (0.125 - 1 / kPi);
      return {s2 * 0.75 + n2, c, c, s2 * (0.5625 - 1 / kPi) + n2};
    }
    case Kind::kSpirals: {
      // E[t² cos²(6πt... )]: ∫t² cos(6πt) dt = 2/(6π)², ∫t² sin(6πt) dt = −1/(6π) over [0,1].
      const double r2 = kSpiralRadius * kSpiralRadius, a = 2 * kSpiralTurns, n2 = kSpiralNoise * kSpiralNoise;
      const double c = r2 / 2 * (-1 / a);
      return {r2 / 2 * (1.0 / 3 + 2 / (a * a)) + n2, c, c, r2 / 2 * (1.0 / 3 - 2 / (a * a)) + n2};
    }
    case Kind::kCheckerboard:
      // Each column and row holds two cells: the marginals are U(-2,2); E[xy] over the 8 cells = 1/4.
      return {4.0 / 3, 0.25, 0.25, 4.0 / 3};
    case Kind::kGrid: {
      const int64_t h = grid_.size(0), w = grid_.size(1);
      const torch::Tensor c = cell_centres(h, w, box_), p = grid_.reshape(-1);
      const auto m = mean();
      const torch::Tensor dx = c.select(1, 0) - m[0], dy = c.select(1, 1) - m[1];
      const double cw = 2 * box_ / double(w), ch = 2 * box_ / double(h);  // + the uniform spread inside a cell
      const double xy = (p * dx * dy).sum().item<double>();
      return {(p * dx * dx).sum().item<double>() + cw * cw / 12, xy, xy, (p * dy * dy).sum().item<double>() + ch * ch / 12};
    }
  }
  return {0, 0, 0, 0};
}

torch::Tensor Toy2dTarget::density_grid(int64_t g) const {
  if (g < 1 || g > 4096) throw Error("density grid size must be in 1..4096");
  const torch::Tensor pts = cell_centres(g, g, box_);
  torch::Tensor d;
  switch (kind_) {
    case Kind::kGaussian:
      d = gaussian_mixture(pts, torch::tensor({{mx_, my_}}, torch::kFloat64), sigma_);
      break;
    case Kind::kRing8: {
      const torch::Tensor a = torch::arange(8, torch::kFloat64) * (2 * kPi / 8);
      d = gaussian_mixture(pts, torch::stack({kRingRadius * a.cos(), kRingRadius * a.sin()}, 1), kRingSigma);
      break;
    }
    case Kind::kMoons:
    case Kind::kSpirals: {
      // The curve (uniform in t on each arm) blurred by its noise: a mixture of 2·512 Gaussians.
      const torch::Tensor t = (torch::arange(512, torch::kFloat64) + 0.5) / 512;
      const torch::Tensor centres = torch::cat({curve(t, torch::zeros({512}, torch::kBool)), curve(t, torch::ones({512}, torch::kBool))});
      d = gaussian_mixture(pts, centres, kind_ == Kind::kMoons ? kMoonNoise : kSpiralNoise);
      break;
    }
    case Kind::kCheckerboard: {
      const torch::Tensor x = pts.select(1, 0), y = pts.select(1, 1);
      const torch::Tensor inside = (x.abs() < 2) & (y.abs() < 2);
      const torch::Tensor parity = ((x + 2).floor() + (y + 2).floor()).remainder(2) == 0;
      d = (inside & parity).to(torch::kFloat64);
      break;
    }
    case Kind::kGrid: {
      // Nearest cell of the target's own grid.
      const int64_t h = grid_.size(0), w = grid_.size(1);
      const torch::Tensor col = ((pts.select(1, 0) + box_) / (2 * box_) * double(w)).floor().clamp(0, w - 1).to(torch::kInt64);
      const torch::Tensor row = ((box_ - pts.select(1, 1)) / (2 * box_) * double(h)).floor().clamp(0, h - 1).to(torch::kInt64);
      d = grid_.reshape(-1).index_select(0, row * w + col);
      break;
    }
  }
  d = d.reshape({g, g});
  const double total = d.sum().item<double>();
  return total > 0 ? d / total : torch::full({g, g}, 1.0 / double(g * g), torch::kFloat64);
}

}  // namespace shortrun

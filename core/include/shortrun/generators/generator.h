// One interface for the paper's three generators (issue 26 §2): the short-run EBM's chain
// x = M_θ(z, u), a VAE's decoder and a GAN's generator. Each synthesises from a latent addressed
// by (seed, index), interpolates between two such latents and reconstructs an observed image
// (optionally masked). The CLI (generate, compare-models) and the explorer call only this, so
// each operation has one code path whatever the kind.
//   latent (seed, i): short-run: z_0 and u_1..u_K of chain i under Philox (the sampler's init
//     distribution); VAE/GAN: z ~ N(0, I) of Philox (seed, i, step 0, stream kMisc), as
//     `shortrun generate` and the baseline trainer's sample grid draw it.
//   interpolation: short-run as analysis/interpolation.h (z and the chain's noise); VAE/GAN in z
//     with the same path weights (path_weights): linear (1−ρ)z1 + ρz2, or spherical
//     √(1−ρ²)z1 + ρz2, which keeps z ~ N(0, I) all along for Gaussian endpoints.
//   reconstruction: short-run by Adam on z through the unrolled chain (analysis/reconstruction.h);
//     VAE by its encoder's mean, refined by `iters` Adam steps on z (0: the encoder alone); GAN by
//     inversion, Adam on z from z = 0. A mask (1 = observed) restricts the loss to those pixels.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shortrun/analysis/interpolation.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/model/model_card.h"

namespace shortrun {

struct GeneratorReconOptions {
  int64_t iters = 200;  // gradient steps on z (VAE: 0 = its encoder's mean alone; GAN: > 0)
  double lr = 0.05;     // Adam's rate on z
  // Short-run only: image n starts from chain first_chain + n's z_0 and keeps its u_k (under seed).
  uint64_t seed = 1;
  int64_t first_chain = 0;
};

struct GeneratorRecon {
  torch::Tensor z;    // the fitted latent: short-run [N,C,H,W] (z_0), VAE/GAN [N,latent]
  torch::Tensor x;    // the reconstruction [N,C,H,W]
  torch::Tensor mse;  // [N] over the observed pixels
  std::vector<double> curve;  // mean observed-pixel MSE after each iteration (index 0: the start)
  bool cancelled = false;     // stopped by `cancel`: z, x and mse are undefined then
};

class Generator {
 public:
  virtual ~Generator() = default;
  virtual std::string kind() const = 0;  // "ebm" | "vae" | "gan"
  // One line: the kind and its nets ("short-run EBM (K=100, step 1, noise 0.01) ...").
  virtual std::string summary() const = 0;
  virtual DataShape shape() const = 0;
  virtual torch::Device device() const = 0;
  // Whether a reconstruction with iters = 0 means something (the VAE's encoder alone).
  virtual bool has_encoder() const { return false; }

  // The images of latents (seed, indices[n]), indices int64 [N]: [N,C,H,W] on the device.
  // A cancelled call returns an undefined tensor.
  virtual torch::Tensor synthesize(uint64_t seed, const torch::Tensor& indices, const std::atomic<bool>* cancel = nullptr) = 0;
  // P pairs (a[p], b[p]) at the spec's ρ values: x [P,R,C,H,W]; energy [P,R] for the EBM only.
  // ρ = 0 and ρ = 1 are synthesize() of a[p] and b[p] (for the EBM with spec.noise "mixed").
  // Throws Error("interpolation cancelled") when cancelled.
  virtual InterpolationResult interpolate(const std::vector<Endpoint>& a, const std::vector<Endpoint>& b,
                                          const InterpolationSpec& spec, const std::atomic<bool>* cancel = nullptr,
                                          const StepProgress& progress = nullptr) = 0;
  // What the spec's path does for this kind, one line for reports and the GUI.
  virtual std::string interpolation_method(const InterpolationSpec& spec) const = 0;
  // observed [N,C,H,W]; mask [N|1, 1|C, H, W] of 0/1 or undefined (all pixels). on_iteration sees
  // iterations 0..iters (x and per-image MSE); `cancel` stops within one iteration.
  virtual GeneratorRecon reconstruct(const torch::Tensor& observed, const torch::Tensor& mask,
                                     const GeneratorReconOptions& options, const ReconstructCallback& on_iteration = nullptr,
                                     const std::atomic<bool>* cancel = nullptr) = 0;
};

// Images of latents (seed, first..first+n−1) on the CPU [n,C,H,W], made in pieces of 256 (image i
// is the same whatever n is); progress(done, n) after each piece. Undefined when cancelled.
torch::Tensor synthesize_range(Generator& generator, uint64_t seed, int64_t first, int64_t n,
                               const std::function<void(int64_t, int64_t)>& progress = nullptr,
                               const std::atomic<bool>* cancel = nullptr);

// "short-run EBM", "VAE" or "GAN" for a kind() value.
std::string generator_kind_name(const std::string& kind);

// The ρ values of a spec: its explicit list, else `points` evenly from 0 to 1.
std::vector<double> interpolation_rhos(const InterpolationSpec& spec);

}  // namespace shortrun

// One evaluation protocol for the three generators (issue 26 part 3): the EBM's short-run chain,
// a VAE and a GAN, each scored on the same test images with the same feature net and counts:
// FD of N samples, reconstruction MSE of the first R test images, the same under a mask (MSE
// over the whole image against the original, i.e. how well the hidden part is filled in), and
// seconds per sample and per reconstruction. Used by `eval` (a baseline) and `compare-models`.
#pragma once
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/training/features.h"
#include "shortrun/training/frechet.h"

namespace shortrun::cli {

struct ComparisonOptions {
  int64_t n_fd = 1000;      // samples (and test images) for FD
  int64_t n_recon = 100;    // test images reconstructed (each kind, with and without the mask)
  std::string mask = "center";
  int64_t recon_iters = 200;  // gradient steps on z (EBM and GAN; the VAE uses its encoder)
  double recon_lr = 0.05;
  uint64_t seed = 1;
};

// The test images and their feature statistics, computed once for all models.
struct ComparisonData {
  torch::Tensor test;       // [max(n_fd, n_recon), C, H, W]
  GaussianStats test_stats; // of the first n_fd
};

// The first max(n_fd, n_recon) test images of a data source ("fashion-mnist", "idx:PATH", ...).
ComparisonData load_comparison_data(const std::string& spec, int64_t image_size, FeatureExtractor& features,
                                    const ComparisonOptions& options);

// What the Table 1 figure shows of one model (CPU tensors in [-1,1]).
struct ComparisonImages {
  torch::Tensor samples;  // the first few samples [S,C,H,W]
  torch::Tensor recon;    // reconstruction of test image 0 [C,H,W]
  torch::Tensor masked;   // its masked reconstruction [C,H,W]
};

// One model's row: {"model", "kind", "fd", "recon_mse", "masked_recon_mse", "seconds_per_sample",
// "seconds_per_reconstruction", ...}, every operation through the model's Generator
// (generators/generator.h). progress lines go to stderr. `images`, when given, receives what the
// figure shows.
nlohmann::json compare_one_model(const std::string& path, torch::Device device, FeatureExtractor& features,
                                 const ComparisonData& data, const ComparisonOptions& options,
                                 ComparisonImages* images = nullptr);

// `shortrun eval` of a baseline: its row under the protocol, with the data and feature net given
// ("" features: the bundled one).
nlohmann::json evaluate_under_protocol(const std::string& path, const std::string& data, const std::string& features,
                                       const ComparisonOptions& options, torch::Device device);

}  // namespace shortrun::cli

// The A/B compare tab's generator comparison (issue 26 §4): the loaded model and one or two more,
// of any kind (short-run EBM, VAE, GAN), given the same observed test image (reconstructions side
// by side with their MSE) or the same pair of latents (interpolation strips side by side). Every
// model goes through the one Generator interface (generators/generator.h), as compare-models does.
// The torch side runs as a view job (kind "generator_compare"); the UI sees only GenCompareResult.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "worker/snapshots.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ViewJobs;

struct GenCompareRequest {
  std::string mode = "reconstruct";  // reconstruct | interpolate
  std::vector<std::string> models;   // resolved paths; models[0] is the loaded model
  SamplerSettings sampler_a;         // models[0] if it is an EBM (the sidebar's); other EBMs use their own
  // reconstruct: test image `image_index` of `data`, hidden where `mask` says (none | center | left | random:P)
  std::string data = "fashion-mnist";
  int image_index = 0;
  std::string mask = "center";
  int iters = 100;                   // Adam steps on z (an unmasked VAE: its encoder alone, as compare-models)
  float lr = 0.05f;
  // interpolate: latents (seed, index) A and B, `points` values of ρ from 0 to 1
  int seed_a = 1, index_a = 0, seed_b = 2, index_b = 0;
  std::string path = "spherical";    // linear | spherical
  int points = 8;
};

struct GenCompareRow {
  std::string path, kind, summary;  // the model, its kind (ebm | vae | gan), one line on its nets
  std::vector<float> images;        // reconstruct: 1 image; interpolate: `points` images (NHWC)
  std::string method;               // what the reconstruction / the path did, one line
  float mse_visible = 0, mse_full = 0;  // reconstruct: over the observed pixels / over all, vs the original
  double seconds = 0;
};

struct GenCompareResult {
  GenCompareRequest request;
  ImageShape shape;                 // n = 1 (reconstruct) or points (interpolate)
  std::vector<float> observed;      // reconstruct: the test image (NHWC)
  std::vector<float> mask;          // reconstruct: H·W, 1 = observed
  std::vector<float> rho;           // interpolate
  std::vector<GenCompareRow> rows;  // one per model, in request order
  double seconds = 0;
};

// Posts the comparison (a newer one stops the running one). Progress counts iterations
// (reconstruct) or models (interpolate); a stop lands within one iteration.
uint64_t post_generator_compare(ViewJobs& jobs, const GenCompareRequest& request,
                                std::shared_ptr<ViewResultSlot<GenCompareResult>> slot);

}  // namespace shortrun::explorer

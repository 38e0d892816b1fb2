// The shared evaluation protocol of eval (baselines) and compare-models (see model_comparison.h):
// every kind goes through one Generator (generators/generator.h), so sampling and reconstruction
// have one code path whatever the model is.
#include "model_comparison.h"

#include <chrono>
#include <cstdio>

#include "cli_common.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"
#include "shortrun/generators/baseline_generator.h"
#include "shortrun/generators/ebm_generator.h"
#include "shortrun/generators/generator_file.h"
#include "shortrun/io/datasets.h"
#include "shortrun/training/evaluation.h"

namespace shortrun::cli {
namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

// MSE over all pixels against the original.
double full_mse(const torch::Tensor& x, const torch::Tensor& original) {
  return (x.to(torch::kCPU) - original.to(torch::kCPU)).pow(2).mean().item<double>();
}

constexpr int64_t kFigureSamples = 6;
}  // namespace

ComparisonData load_comparison_data(const std::string& spec, int64_t image_size, FeatureExtractor& features,
                                    const ComparisonOptions& o) {
  DataOptions d;
  d.split = "test";
  d.image_size = image_size;
  d.limit = std::max(o.n_fd, o.n_recon);
  ComparisonData data;
  data.test = load_dataset(spec, d).images;
  if (data.test.size(0) < d.limit)
    throw Error(spec + ": the test split has " + std::to_string(data.test.size(0)) + " images; the protocol needs " +
                std::to_string(d.limit) + " (lower --n / --recon-n)");
  data.test_stats = gaussian_stats(features.features(data.test.narrow(0, 0, o.n_fd)));
  return data;
}

nlohmann::json compare_one_model(const std::string& path, torch::Device device, FeatureExtractor& features,
                                 const ComparisonData& data, const ComparisonOptions& o, ComparisonImages* images) {
  std::unique_ptr<Generator> gen = open_generator(path, device);
  const std::string kind = gen->kind();
  const DataShape shape = gen->shape();
  const int64_t h = data.test.size(2), w = data.test.size(3);
  if (shape.height != h || shape.channels != data.test.size(1))
    throw file_error(path, "is a " + gen->summary() + "; the test images are " + std::to_string(data.test.size(1)) + "x" +
                               std::to_string(h) + "x" + std::to_string(w));
  const torch::Tensor recon_set = data.test.narrow(0, 0, o.n_recon).to(device);
  const torch::Tensor mask = make_mask(o.mask, h, w, o.seed).to(device);
  auto t0 = clock_type::now();
  const torch::Tensor samples = synthesize_range(*gen, o.seed, 0, o.n_fd);
  const double t_sample = since(t0) / double(o.n_fd);
  // Short-run image n starts from chain n's z_0 and keeps its u_k; the VAE reconstructs through
  // its encoder (the paper's VAE row); the GAN by inversion.
  GeneratorReconOptions ro;
  ro.lr = o.recon_lr;
  ro.seed = o.seed;
  ro.iters = gen->has_encoder() ? 0 : o.recon_iters;
  t0 = clock_type::now();
  const torch::Tensor recon = gen->reconstruct(recon_set, torch::Tensor(), ro).x;
  const double t_recon = since(t0) / double(o.n_recon);
  const double mse = full_mse(recon, recon_set);
  // Masked: every kind fits z to the observed pixels (the VAE from its encoder's guess).
  ro.iters = o.recon_iters;
  const torch::Tensor masked_x = gen->reconstruct(recon_set, mask, ro).x;
  const double masked = full_mse(masked_x, recon_set);
  const double fd = frechet_distance(gaussian_stats(features.features(samples)), data.test_stats);
  if (images) {
    images->samples = samples.narrow(0, 0, std::min<int64_t>(kFigureSamples, samples.size(0)));
    images->recon = recon[0].to(torch::kCPU);
    images->masked = masked_x[0].to(torch::kCPU);
  }
  nlohmann::json row = {{"model", path},
                        {"kind", kind},
                        {"generator", gen->summary()},
                        {"fd", fd},
                        {"recon_mse", mse},
                        {"masked_recon_mse", masked},
                        {"mask", o.mask},
                        {"seconds_per_sample", t_sample},
                        {"seconds_per_reconstruction", t_recon},
                        {"n_fd", o.n_fd},
                        {"n_recon", o.n_recon},
                        {"recon_iters", gen->has_encoder() ? 0 : o.recon_iters}};
  if (const auto* ebm = dynamic_cast<const EbmGenerator*>(gen.get())) {
    const SamplerConfig& sc = ebm->sampler();
    row.update({{"steps", sc.steps}, {"step_size", sc.step_size}, {"noise", sc.noise_std}});
  } else if (auto* b = dynamic_cast<BaselineGenerator*>(gen.get())) {
    row["latent"] = b->model().spec().latent;
  }
  if (kind == "vae") row["recon_by"] = "encoder mean (masked: gradient steps on z from it)";
  std::fprintf(stderr, "%s (%s): FD %.2f, recon MSE %.4f, masked %.4f\n", path.c_str(), kind.c_str(), fd, mse, masked);
  return row;
}

nlohmann::json evaluate_under_protocol(const std::string& path, const std::string& data, const std::string& features,
                                       const ComparisonOptions& options, torch::Device device) {
  const std::string feat_path = features.empty() ? default_features() : features;
  std::unique_ptr<FeatureExtractor> net = load_feature_extractor(feat_path, device);
  const int64_t size = open_generator(path, torch::kCPU)->shape().height;
  nlohmann::json row = compare_one_model(path, device, *net, load_comparison_data(data, size, *net, options), options);
  row["data"] = data;
  row["features"] = feat_path;
  return row;
}

}  // namespace shortrun::cli

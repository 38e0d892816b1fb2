// The shared evaluation protocol of eval (baselines) and compare-models (see model_comparison.h).
#include "model_comparison.h"

#include <chrono>
#include <cstdio>

#include "cli_common.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/baselines/latent_fit.h"
#include "shortrun/io/datasets.h"
#include "shortrun/sampling/noise.h"
#include "shortrun/training/evaluation.h"

namespace shortrun::cli {
namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

// MSE per image over all pixels against the original.
double full_mse(const torch::Tensor& x, const torch::Tensor& original) {
  return (x.to(torch::kCPU) - original.to(torch::kCPU)).pow(2).mean().item<double>();
}
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

std::string model_kind(const std::string& path) {
  if (!is_baseline_file(path)) return "ebm";
  return load_baseline_checkpoint(path, torch::kCPU).model->spec().kind;
}

nlohmann::json compare_one_model(const std::string& path, torch::Device device, FeatureExtractor& features,
                                 const ComparisonData& data, const ComparisonOptions& o) {
  const std::string kind = model_kind(path);
  const torch::Tensor recon_set = data.test.narrow(0, 0, o.n_recon).to(device);
  int64_t h = data.test.size(2), w = data.test.size(3);
  const torch::Tensor mask = make_mask(o.mask, h, w, o.seed).to(device);
  torch::Tensor samples;
  double t_sample = 0, t_recon = 0, mse = 0, masked = 0;
  nlohmann::json extra = nlohmann::json::object();
  if (kind == "ebm") {
    std::unique_ptr<EnergyModel> model = open_model(path, device, ModelLoadOptions{});
    model->set_weights_trainable(false);
    model->train(false);
    SamplerConfig sampler = model->card().sampler;
    sampler.seed = o.seed;
    if (model->shape().height != h || model->shape().channels != data.test.size(1))
      throw file_error(path, "is a " + model->shape().str() + " model; the test images are " + std::to_string(data.test.size(1)) + "x" +
                                 std::to_string(h) + "x" + std::to_string(w));
    auto t0 = clock_type::now();
    samples = draw_samples(*model, sampler, o.n_fd);
    t_sample = since(t0) / double(o.n_fd);
    const LangevinSampler chain(*model, sampler);
    ReconstructConfig rc;
    rc.iters = o.recon_iters;
    rc.lr = o.recon_lr;
    const Reconstructor rec(chain, rc);
    const torch::Tensor chains = chain_range(0, o.n_recon, device);
    t0 = clock_type::now();
    mse = full_mse(rec.run(recon_set, torch::Tensor(), chains).x, recon_set);
    t_recon = since(t0) / double(o.n_recon);
    masked = full_mse(rec.run(recon_set, mask, chains).x, recon_set);
    extra = {{"steps", sampler.steps}, {"step_size", sampler.step_size}, {"noise", sampler.noise_std}};
  } else {
    LoadedBaseline loaded = load_baseline_checkpoint(path, device);
    BaselineModel& model = *loaded.model;
    if (model.spec().image_size != h || model.spec().channels != data.test.size(1))
      throw file_error(path, "is a " + model.spec().summary() + "; the test images are " + std::to_string(data.test.size(1)) + "x" +
                                 std::to_string(h) + "x" + std::to_string(w));
    model.train(false);
    auto t0 = clock_type::now();
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor z = CounterNoise(o.seed).normal(chain_range(0, o.n_fd, device), 0, NoiseStream::kMisc, {model.spec().latent});
      samples = model.decode(z).to(torch::kCPU);
    }
    t_sample = since(t0) / double(o.n_fd);
    LatentFitOptions lf;
    lf.lr = o.recon_lr;
    // The VAE reconstructs through its encoder (the paper's VAE row); the GAN by inversion.
    lf.iters = kind == "vae" ? 0 : o.recon_iters;
    t0 = clock_type::now();
    mse = full_mse(fit_latent(model, recon_set, torch::Tensor(), torch::Tensor(), lf).x, recon_set);
    t_recon = since(t0) / double(o.n_recon);
    // Masked: every kind fits z to the observed pixels (the VAE from its encoder's guess).
    lf.iters = o.recon_iters;
    masked = full_mse(fit_latent(model, recon_set, mask, torch::Tensor(), lf).x, recon_set);
    extra = {{"latent", model.spec().latent}};
    if (kind == "vae") extra["recon_by"] = "encoder mean (masked: gradient steps on z from it)";
  }
  const double fd = frechet_distance(gaussian_stats(features.features(samples)), data.test_stats);
  nlohmann::json row = {{"model", path},
                        {"kind", kind},
                        {"fd", fd},
                        {"recon_mse", mse},
                        {"masked_recon_mse", masked},
                        {"mask", o.mask},
                        {"seconds_per_sample", t_sample},
                        {"seconds_per_reconstruction", t_recon},
                        {"n_fd", o.n_fd},
                        {"n_recon", o.n_recon},
                        {"recon_iters", kind == "vae" ? 0 : o.recon_iters}};
  row.update(extra);
  std::fprintf(stderr, "%s (%s): FD %.2f, recon MSE %.4f, masked %.4f\n", path.c_str(), kind.c_str(), fd, mse, masked);
  return row;
}

nlohmann::json evaluate_under_protocol(const std::string& path, const std::string& data, const std::string& features,
                                       const ComparisonOptions& options, torch::Device device) {
  const std::string feat_path = features.empty() ? default_features() : features;
  std::unique_ptr<FeatureExtractor> net = load_feature_extractor(feat_path, device);
  const int64_t size = model_kind(path) == "ebm" ? open_model(path, torch::kCPU, ModelLoadOptions{})->shape().height
                                                 : load_baseline_checkpoint(path, torch::kCPU).model->spec().image_size;
  nlohmann::json row = compare_one_model(path, device, *net, load_comparison_data(data, size, *net, options), options);
  row["data"] = data;
  row["features"] = feat_path;
  return row;
}

}  // namespace shortrun::cli

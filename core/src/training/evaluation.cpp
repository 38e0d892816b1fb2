// evaluate_model: sampling, features, Fréchet distances and the sanity numbers around them.
#include "shortrun/training/evaluation.h"

#include <chrono>

#include "shortrun/base/error.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/training/frechet.h"

namespace shortrun {

torch::Tensor draw_samples(EnergyModel& model, const SamplerConfig& cfg, int64_t n,
                           const std::function<void(int64_t, int64_t)>& progress) {
  return draw_samples_range(model, cfg, 0, n, progress);
}

torch::Tensor draw_samples_range(EnergyModel& model, const SamplerConfig& cfg, int64_t first, int64_t count,
                                 const std::function<void(int64_t, int64_t)>& progress, const std::atomic<bool>* cancel) {
  const LangevinSampler sampler(model, cfg);
  std::vector<torch::Tensor> parts;
  const int64_t end = first + count;
  // Pieces on the global grid of kEvalPiece (chain i is the same whatever the pieces, but the
  // grid keeps every evaluation's batch as in one process: the same bits).
  for (int64_t at = first; at < end;) {
    const int64_t m = std::min((at / kEvalPiece + 1) * kEvalPiece, end) - at;
    parts.push_back(sampler.run(chain_range(at, m, model.device()), std::nullopt, nullptr, cancel).x.to(torch::kCPU));
    at += m;
    if (cancel && *cancel) break;
    if (progress) progress(at - first, count);
  }
  if (parts.empty()) {
    std::vector<int64_t> shape{0};
    const auto chw = model.shape().chw();
    shape.insert(shape.end(), chw.begin(), chw.end());
    return torch::zeros(shape, torch::kFloat32);
  }
  return torch::cat(parts);
}

namespace {

double mean_energy(EnergyModel& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (int64_t i = 0; i < x.size(0); i += 256) {
    const torch::Tensor xb = x.narrow(0, i, std::min<int64_t>(256, x.size(0) - i)).to(model.device());
    sum += model.energy(xb).to(torch::kFloat64).sum().item<double>();
  }
  return sum / double(x.size(0));
}

}  // namespace

torch::Tensor nearest_distance(const torch::Tensor& x, const torch::Tensor& ref) {
  torch::NoGradGuard no_grad;
  const torch::Tensor r = ref.to(torch::kFloat32).contiguous();
  const torch::Tensor r2 = r.flatten(1).pow(2).sum(1).unsqueeze(1);  // [M,1]
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < x.size(0); i += 256) {
    const torch::Tensor q = x.narrow(0, i, std::min<int64_t>(256, x.size(0) - i)).to(torch::kFloat32).contiguous();
    // Every r·q at once as a convolution with the queries as filters ([M,b,1,1]): oneDNN runs
    // it about 10x faster than the reference BLAS behind Debian's LibTorch matmul.
    const torch::Tensor dots = torch::conv2d(r, q).flatten(1);
    const torch::Tensor d2 = r2 + q.flatten(1).pow(2).sum(1).unsqueeze(0) - 2 * dots;
    out.push_back(std::get<0>(d2.min(0)).clamp_min(0).sqrt());
  }
  return torch::cat(out);
}

double sample_fd(EnergyModel& model, const SamplerConfig& sampler, FeatureExtractor& features,
                 const GaussianStats* test_stats, const torch::Tensor& test, int64_t n) {
  const torch::Tensor x = draw_samples(model, sampler, n, nullptr);
  const GaussianStats s = gaussian_stats(features.features(x));
  if (test_stats) return frechet_distance(s, *test_stats);
  return frechet_distance(s, gaussian_stats(features.features(test.narrow(0, 0, std::min(n, test.size(0))))));
}

void check_eval_inputs(const EnergyModel& model, const EvalData& data, const EvalOptions& o) {
  const int64_t n = o.n;
  if (n < 2) throw Error("evaluation needs --n of at least 2");
  if (data.test.size(0) < n) throw Error("the test split has " + std::to_string(data.test.size(0)) + " images; --n " + std::to_string(n) + " needs as many");
  if (data.train.size(0) < n) throw Error("the training split has fewer than --n images");
  const auto& shape = model.shape();
  if (data.test.size(1) != shape.channels || data.test.size(2) != shape.height)
    throw Error("the data's images (" + std::to_string(data.test.size(1)) + "x" + std::to_string(data.test.size(2)) +
                ") do not match the model's " + shape.str());
}

nlohmann::json evaluate_model(EnergyModel& model, const SamplerConfig& sampler, FeatureExtractor& features,
                              const EvalData& data, const EvalOptions& o,
                              const std::function<void(int64_t, int64_t)>& progress) {
  check_eval_inputs(model, data, o);
  const auto t0 = std::chrono::steady_clock::now();
  const torch::Tensor samples = draw_samples(model, sampler, o.n, progress);
  return evaluate_samples(model, sampler, features, data, o, samples,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

nlohmann::json evaluate_samples(EnergyModel& model, const SamplerConfig& sampler, FeatureExtractor& features,
                                const EvalData& data, const EvalOptions& o, const torch::Tensor& samples,
                                double sampling_seconds) {
  check_eval_inputs(model, data, o);
  const int64_t n = o.n;
  if (samples.dim() < 1 || samples.size(0) != n)
    throw Error("evaluation: " + std::to_string(samples.dim() < 1 ? 0 : samples.size(0)) + " samples given for --n " + std::to_string(n));
  const auto t0 = std::chrono::steady_clock::now();
  const torch::Tensor test = data.test.narrow(0, 0, n);
  const torch::Tensor train = data.train.narrow(0, 0, n);
  torch::Generator gen = at::detail::createCPUGenerator(o.noise_seed);
  const torch::Tensor noise = torch::rand(test.sizes(), gen) * 2 - 1;

  const GaussianStats test_stats = gaussian_stats(features.features(test));
  const double fd = frechet_distance(gaussian_stats(features.features(samples)), test_stats);
  const double floor = frechet_distance(gaussian_stats(features.features(train)), test_stats);
  const double ceiling = frechet_distance(gaussian_stats(features.features(noise)), test_stats);
  nlohmann::json j = {{"n", n},
                      {"fd", fd},
                      {"fd_floor_train", floor},
                      {"fd_ceiling_noise", ceiling},
                      {"fd_relative", (fd - floor) / std::max(1e-12, ceiling - floor)},
                      {"energy_data", mean_energy(model, test)},
                      {"energy_samples", mean_energy(model, samples)},
                      {"saturated_fraction", (samples.abs() >= kSaturatedLevel).to(torch::kFloat64).mean().item<double>()},
                      {"saturated_fraction_data", (test.abs() >= kSaturatedLevel).to(torch::kFloat64).mean().item<double>()},
                      {"non_finite_samples", (~torch::isfinite(samples.flatten(1)).all(1)).sum().item<int64_t>()},
                      {"features", features.description()},
                      {"data", data.description},
                      {"sampler", sampler}};
  if (o.memorisation) {
    const torch::Tensor ds = nearest_distance(samples, data.train), dt = nearest_distance(test, data.train);
    j["nearest_train_l2"] = {{"samples_mean", ds.mean().item<double>()},
                             {"samples_min", ds.min().item<double>()},
                             {"test_mean", dt.mean().item<double>()},
                             {"test_min", dt.min().item<double>()},
                             {"train_images", data.train.size(0)}};
  }
  j["seconds"] = sampling_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return j;
}

}  // namespace shortrun

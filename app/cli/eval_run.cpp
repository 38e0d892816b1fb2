// run_evaluation: a fresh `eval` or the re-run of a recorded one, with the protocol it records.
#include "eval_run.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "shortrun/base/build_info.h"
#include "shortrun/base/error.h"
#include "shortrun/base/sha256.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/model_paths.h"
#include "shortrun/model/weights_choice.h"
#include "shortrun/training/features.h"

namespace shortrun::cli {

namespace {

std::string absolute(const std::string& path) { return std::filesystem::absolute(path).lexically_normal().string(); }

// "idx:PATH", "cifar10:DIR" and "folder:DIR" with an absolute path, so a re-run from another
// directory reads the same data; names (fashion-mnist) as they are.
std::string absolute_data_spec(const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || colon + 1 >= spec.size()) return spec;
  return spec.substr(0, colon + 1) + absolute(spec.substr(colon + 1));
}

std::string tensor_sha256(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).to(torch::kFloat32).contiguous();
  return sha256_hex(c.data_ptr(), static_cast<size_t>(c.numel()) * sizeof(float));
}

}  // namespace

nlohmann::json run_evaluation(const EvalRequest& r) {
  static const SamplerOverrides none;
  SamplingSetup setup = open_for_sampling(r.model, r.rt, r.mo, r.overrides ? *r.overrides : none, r.weights);
  if (r.sampler) {
    r.sampler->validate();
    setup.sampler = *r.sampler;
  }
  report_weights(setup, "eval");
  const std::string feat_path = r.features.empty() ? default_features() : r.features;
  const std::string feat_sha = sha256_file(feat_path);  // before loading: the file that was read
  const std::string model_sha = sha256_file(setup.model_path);
  std::unique_ptr<FeatureExtractor> features = load_feature_extractor(feat_path, setup.device, r.mo.trust_code);
  DataOptions d;
  d.image_size = setup.model->shape().height;
  d.split = "train";
  EvalData data;
  data.train = load_dataset(r.data, d).images;
  d.split = "test";
  d.limit = r.eval.n;
  data.test = load_dataset(r.data, d).images;
  data.description = r.data;
  const bool tty = isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json j = evaluate_model(*setup.model, setup.sampler, *features, data, r.eval, [&](int64_t done, int64_t n) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, tty ? "\reval: sampled %lld/%lld chains (%.0f s)   " : "eval: sampled %lld/%lld chains (%.0f s)\n",
                 static_cast<long long>(done), static_cast<long long>(n), s);
  });
  if (tty) std::fprintf(stderr, "\n");
  j["model"] = setup.model_path;
  j["weights"] = setup.ema ? "ema" : "raw";

  const int64_t n = r.eval.n;
  const int64_t train_used = r.eval.memorisation ? data.train.size(0) : n;
  const char* isa = std::getenv("DNNL_MAX_CPU_ISA");
  j["protocol"] = {
      {"version", kEvalProtocolVersion},
      {"model", {{"given", absolute(resolve_model_path(r.model))}, {"file", absolute(setup.model_path)}, {"sha256", model_sha}}},
      {"weights", setup.ema ? "ema" : "raw"},
      {"n", n},
      {"data", absolute_data_spec(r.data)},
      {"reference", {{"split", "test"}, {"count", n}, {"sha256", tensor_sha256(data.test.narrow(0, 0, n))}}},
      {"train", {{"split", "train"}, {"floor_count", n}, {"memorisation_count", r.eval.memorisation ? data.train.size(0) : 0},
                 {"sha256", tensor_sha256(data.train.narrow(0, 0, train_used))}}},
      {"memorisation", r.eval.memorisation},
      {"ceiling_noise_seed", r.eval.noise_seed},
      {"features", {{"name", features->description()}, {"path", absolute(feat_path)}, {"sha256", feat_sha}}},
      {"sampler", setup.sampler},
      {"seed", setup.sampler.seed},
      {"threads", torch::get_num_threads()},
      {"device", setup.device.str()},
      {"cpu_isa_limit", isa ? isa : ""},
      {"build", build_json()}};
  return j;
}

}  // namespace shortrun::cli

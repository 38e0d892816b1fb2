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
#include "shortrun/training/frechet.h"
#include "shortrun/training/long_run_health.h"
#include "view_support.h"
#include "data_parallel_launch.h"
#include "shortrun/distributed/launch_env.h"
#include "shortrun/distributed/row_gather.h"

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


}  // namespace

nlohmann::json run_evaluation(const EvalRequest& r) {
  static const SamplerOverrides none;
  DistGroup* const group = r.group;
  const bool writer = !group || group->rank() == 0;
  if (group && r.long_run > 0)
    throw Error(group->who() + ": eval --long-run is not split over ranks; run it in one process");
  SamplingSetup setup;
  std::string feat_path, feat_sha, model_sha;
  std::unique_ptr<FeatureExtractor> features;
  EvalData data;
  DataOptions d;
  // Every rank opens the model; rank 0 alone reads the feature net and the data it evaluates with.
  start_together(
      group,
      [&] {
        setup = open_for_sampling(r.model, r.rt, r.mo, r.overrides ? *r.overrides : none, r.weights);
        if (r.sampler) {
          r.sampler->validate();
          setup.sampler = *r.sampler;
        }
        if (r.long_run > 0 && r.long_run <= setup.sampler.steps)
          throw Error("--long-run " + std::to_string(r.long_run) + " must exceed the short run's K = --steps " +
                      std::to_string(setup.sampler.steps) + " (the chains continue from x_K)");
        if (writer) report_weights(setup, "eval");
        feat_path = r.features.empty() ? default_features() : r.features;
        feat_sha = sha256_file(feat_path);  // before loading: the file that was read
        model_sha = sha256_file(setup.model_path);
        if (!writer) return;
        features = load_feature_extractor(feat_path, setup.device, r.mo.trust_code);
        d.image_size = setup.model->shape().height;
        d.split = "train";
        data.train = load_dataset(r.data, d).images;
        d.split = "test";
        d.limit = r.eval.n;
        data.test = load_dataset(r.data, d).images;
        data.description = r.data;
        check_eval_inputs(*setup.model, data, r.eval);
      },
      [&] {
        return nlohmann::json{{"model_sha256", model_sha}, {"weights", setup.ema ? "ema" : "raw"}, {"sampler", setup.sampler},
                              {"n", r.eval.n}, {"data", absolute_data_spec(r.data)}, {"features_sha256", feat_sha},
                              {"memorisation", r.eval.memorisation}, {"noise_seed", r.eval.noise_seed}}
            .dump();
      });
  const bool tty = isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  const auto progress = [&](int64_t done, int64_t n) {
    if (!writer) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, tty ? "\reval: sampled %lld/%lld chains%s (%.0f s)   " : "eval: sampled %lld/%lld chains%s (%.0f s)\n",
                 static_cast<long long>(done), static_cast<long long>(n), group ? " of rank 0's share" : "", s);
  };
  nlohmann::json j;
  if (!group) {
    j = evaluate_model(*setup.model, setup.sampler, *features, data, r.eval, progress);
  } else {
    // Each rank's share in whole chunks (or whole pieces), so every evaluation holds the chains it
    // holds in one process: the samples, and so the FD, equal one process's bit for bit.
    const int64_t chunk = setup.sampler.chunk;
    const int64_t unit = chunk > 0 && kEvalPiece % chunk == 0 ? chunk : kEvalPiece;
    std::vector<int64_t> rows;
    ChainShare mine;
    for (int rank = 0; rank < group->world(); ++rank) {
      const ChainShare s = chain_share(r.eval.n, unit, rank, group->world());
      rows.push_back(s.size());
      if (rank == group->rank()) mine = s;
    }
    RankHeartbeat heartbeat(group);  // a rank that dies stops the others' chains (one line each)
    const torch::Tensor x = draw_samples_range(*setup.model, setup.sampler, mine.begin, mine.size(), progress, heartbeat.cancel());
    heartbeat.check();
    const torch::Tensor samples = gather_rows(*group, x.contiguous(), rows, "sample gather");
    heartbeat.finish();
    if (!writer) return nlohmann::json();
    j = evaluate_samples(*setup.model, setup.sampler, *features, data, r.eval, samples,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (tty) std::fprintf(stderr, "\n");
  if (r.long_run > 0) {
    // The same chains (0..n-1, same pieces) continued from x_K to K2: x_K is the samples above.
    StderrProgress progress("eval: long run to K2=" + std::to_string(r.long_run) + " (chain-steps)");
    const LongRunHealth h = long_run_health(*setup.model, setup.sampler, 0, r.eval.n, r.long_run,
                                            [&](int64_t done, int64_t total) { progress(done, total); }, r.cancel);
    progress.finish();
    if (h.cancelled) throw EvalInterrupted{h.steps_done, r.long_run};
    const GaussianStats test_stats = gaussian_stats(features->features(data.test.narrow(0, 0, r.eval.n)));
    const auto fd_of = [&](const torch::Tensor& x) {
      const double fd = frechet_distance(gaussian_stats(features->features(x)), test_stats);
      return std::isfinite(fd) ? nlohmann::json(fd) : nlohmann::json();
    };
    nlohmann::json lr = to_json(h);
    lr["fd_short"] = fd_of(h.x_short);
    lr["fd_long"] = fd_of(h.x_long);
    j["long_run"] = lr;
  }
  j["model"] = setup.model_path;
  j["weights"] = setup.ema ? "ema" : "raw";

  const int64_t n = r.eval.n;
  const int64_t train_used = r.eval.memorisation ? data.train.size(0) : n;
  EvalProtocolCore core;
  core.n = n;
  core.reference_split = "test";
  core.reference_count = n;
  core.reference_sha256 = tensor_sha256(data.test.narrow(0, 0, n));
  core.features_name = features->description();
  core.features_path = absolute(feat_path);
  core.features_sha256 = feat_sha;
  core.sampler = setup.sampler;
  core.weights = setup.ema ? "ema" : "raw";
  core.device = setup.device.str();
  nlohmann::json& p = j["protocol"] = eval_protocol_json(core);
  p["model"] = {{"given", absolute(resolve_model_path(r.model))}, {"file", absolute(setup.model_path)}, {"sha256", model_sha}};
  p["data"] = absolute_data_spec(r.data);
  p["train"] = {{"split", "train"}, {"floor_count", n}, {"memorisation_count", r.eval.memorisation ? data.train.size(0) : 0},
                {"sha256", tensor_sha256(data.train.narrow(0, 0, train_used))}};
  p["memorisation"] = r.eval.memorisation;
  p["ceiling_noise_seed"] = r.eval.noise_seed;
  if (r.long_run > 0) p["long_run"] = {{"k2", r.long_run}, {"chains", n}, {"from", "x_K of the evaluation's chains"}};
  return j;
}

}  // namespace shortrun::cli

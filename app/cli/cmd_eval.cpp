// `shortrun train-features` (the evaluation feature net) and `shortrun eval` (FD in that
// feature space with its floor and ceiling, energies, saturation, memorisation check).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "model_comparison.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/file_util.h"
#include "shortrun/training/evaluation.h"
#include "shortrun/training/features.h"

namespace shortrun::cli {

namespace {
void print_table(const nlohmann::json& j) {
  const auto num = [&](const char* k) { return j.at(k).get<double>(); };
  std::fprintf(stderr, "\n  %-34s %10.3f\n", "FD samples vs test", num("fd"));
  std::fprintf(stderr, "  %-34s %10.3f\n", "FD train vs test (floor)", num("fd_floor_train"));
  std::fprintf(stderr, "  %-34s %10.3f\n", "FD uniform noise vs test (ceiling)", num("fd_ceiling_noise"));
  std::fprintf(stderr, "  %-34s %10.4f\n", "(FD - floor) / (ceiling - floor)", num("fd_relative"));
  std::fprintf(stderr, "  %-34s %10.3f / %.3f\n", "mean f: data / samples", num("energy_data"), num("energy_samples"));
  std::fprintf(stderr, "  %-34s %10.4f (data %.4f)\n", "saturated pixels |x| >= 0.99", num("saturated_fraction"),
               num("saturated_fraction_data"));
  if (j.contains("nearest_train_l2"))
    std::fprintf(stderr, "  %-34s %10.3f (test images %.3f)\n", "nearest training image, L2",
                 j["nearest_train_l2"]["samples_mean"].get<double>(), j["nearest_train_l2"]["test_mean"].get<double>());
  std::fprintf(stderr, "  %-34s %10.1f s\n\n", "time", num("seconds"));
}
}  // namespace

void add_train_features_command(CLI::App& app) {
  struct Options {
    std::string data = "fashion-mnist", out;
    int64_t limit = 0;
    FeatureTrainConfig cfg;
    RuntimeOptions rt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("train-features", "Train the small classifier whose penultimate layer is eval's feature space");
  cmd->add_option("--data", o->data, "labelled data: fashion-mnist")->capture_default_str()->check(CLI::IsMember({"fashion-mnist"}));
  cmd->add_option("--out", o->out, "output .safetensors")->required();
  cmd->add_option("--epochs", o->cfg.epochs, "passes over the training split")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--seed", o->cfg.seed, "initialisation and shuffling seed")->capture_default_str()->check(seed_check());
  cmd->add_option("--limit", o->limit, "use only the first N training images (0: all)")->check(count_check());
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    apply_runtime(o->rt);
    DataOptions d;
    d.split = "train";
    d.limit = o->limit;
    const Dataset train = load_dataset(o->data, d);
    d.split = "test";
    const Dataset test = load_dataset(o->data, d);
    const FeatureTrainResult r = train_feature_net(
        train.images, fashion_mnist_labels("train").narrow(0, 0, train.images.size(0)), test.images, fashion_mnist_labels("test"), o->cfg, o->out,
        train.description, [&](int64_t epoch, double loss, double acc) {
          std::fprintf(stderr, "train-features: epoch %lld/%lld  loss %.4f  test accuracy %.4f\n", static_cast<long long>(epoch),
                       static_cast<long long>(o->cfg.epochs), loss, acc);
        });
    std::printf("%s: test accuracy %.4f after %lld epochs (%.0f s)\n", o->out.c_str(), r.test_accuracy,
                static_cast<long long>(o->cfg.epochs), r.seconds);
    if (r.test_accuracy < 0.9)
      std::fprintf(stderr, "train-features: warning: test accuracy below 0.90; try more --epochs\n");
  });
}

void add_eval_command(CLI::App& app) {
  struct Options {
    std::string model, data = "fashion-mnist", features, json_out, weights;
    EvalOptions eval;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("eval", "FD of N short-run samples vs the test split in a learned feature space (one JSON object)");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--data", o->data, "fashion-mnist | idx:PATH | cifar10:DIR (train and test splits)")->capture_default_str();
  cmd->add_option("--n", o->eval.n, "samples, test images and training images compared")->capture_default_str()->check(CLI::Range(2, 100000));
  cmd->add_option("--features", o->features, "feature net (.safetensors from train-features) or TorchScript module "
                                              "(default: the bundled assets/fmnist_features.safetensors)");
  cmd->add_option("--json", o->json_out, "also write the JSON object to this file");
  cmd->add_flag("!--no-memorisation", o->eval.memorisation, "skip the nearest-training-image distances");
  o->sampler.add(*cmd);
  add_weights_option(*cmd, o->weights);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    check_outputs({{"--json", o->json_out}}, {model_input("--model", o->model), {"--features", o->features}, data_input(o->data)});
    if (const std::string path = resolve_model_path(o->model); is_baseline_file(path)) {
      // A VAE or GAN (issue 26): its row under compare-models' protocol (FD of --n samples, reconstruction MSE).
      ComparisonOptions c;
      c.n_fd = o->eval.n;
      c.n_recon = std::min<int64_t>(c.n_recon, o->eval.n);
      const nlohmann::json j = evaluate_under_protocol(path, o->data, o->features, c, apply_runtime(o->rt));
      std::cout << json_text(j) << std::endl;
      if (!o->json_out.empty()) write_file_atomic(o->json_out, [&](std::ostream& out) { out << json_text(j, 2) << "\n"; });
      return;
    }
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler, o->weights);
    report_weights(setup, "eval");
    const std::string feat_path = o->features.empty() ? default_features() : o->features;
    std::unique_ptr<FeatureExtractor> features = load_feature_extractor(feat_path, setup.device, o->mo.trust_code);
    DataOptions d;
    d.image_size = setup.model->shape().height;
    d.split = "train";
    EvalData data;
    data.train = load_dataset(o->data, d).images;
    d.split = "test";
    d.limit = o->eval.n;
    data.test = load_dataset(o->data, d).images;
    data.description = o->data;
    const bool tty = isatty(STDERR_FILENO);
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::json j = evaluate_model(*setup.model, setup.sampler, *features, data, o->eval, [&](int64_t done, int64_t n) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, tty ? "\reval: sampled %lld/%lld chains (%.0f s)   " : "eval: sampled %lld/%lld chains (%.0f s)\n",
                   static_cast<long long>(done), static_cast<long long>(n), s);
    });
    if (tty) std::fprintf(stderr, "\n");
    j["model"] = setup.model_path;
    j["weights"] = setup.ema ? "ema" : "raw";
    if (tty) print_table(j);
    std::cout << json_text(j) << std::endl;
    if (!o->json_out.empty())
      write_file_atomic(o->json_out, [&](std::ostream& out) { out << json_text(j, 2) << "\n"; });
  });
}

}  // namespace shortrun::cli

// `shortrun compare-models A B C`: the paper's Table 1 shape for any mix of EBMs, VAEs and GANs,
// all scored by one protocol (model_comparison.h): rows are models; columns FD, reconstruction
// MSE, masked-reconstruction MSE and seconds per sample / per reconstruction. Text on stdout,
// JSON with --json.
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "cmd_generate.h"
#include "model_comparison.h"
#include "shortrun/base/printable.h"
#include "shortrun/baselines/baseline_checkpoint.h"

namespace shortrun::cli {

void add_comparison_options(CLI::App& cmd, ComparisonOptions& o) {
  cmd.add_option("--recon-n", o.n_recon, "test images reconstructed per model")->capture_default_str()->check(CLI::Range(1, 100000));
  cmd.add_option("--mask", o.mask, "mask of the masked reconstruction: center | left | random:P")->capture_default_str();
  cmd.add_option("--recon-iters", o.recon_iters, "gradient steps on z (EBM, GAN, masked VAE)")->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd.add_option("--recon-lr", o.recon_lr, "Adam's rate on z")->capture_default_str()->check(CLI::PositiveNumber);
}

void add_compare_models_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> models;
    std::string data = "fashion-mnist", features, json_out;
    ComparisonOptions cmp;
    RuntimeOptions rt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("compare-models", "Table 1 of the paper for EBMs, VAEs and GANs: FD, reconstruction MSE "
                                                       "(plain and masked) and time, by one protocol");
  cmd->add_option("models", o->models, "model files or run directories (EBM, VAE or GAN)")->required();
  cmd->add_option("--data", o->data, "test images: fashion-mnist | idx:PATH | cifar10:DIR")->capture_default_str();
  cmd->add_option("--n", o->cmp.n_fd, "samples and test images for FD")->capture_default_str()->check(CLI::Range(2, 100000));
  cmd->add_option("--features", o->features, "feature net (default: the bundled assets/fmnist_features.safetensors)");
  cmd->add_option("--seed", o->cmp.seed, "seed of the samples and of a random mask")->capture_default_str()->check(seed_check());
  cmd->add_option("--json", o->json_out, "also write the table as JSON to this file");
  add_comparison_options(*cmd, o->cmp);
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    std::vector<NamedPath> inputs = {{"--features", o->features}, data_input(o->data)};
    for (const std::string& m : o->models) inputs.push_back(model_input("model", m));
    check_outputs({{"--json", o->json_out}}, inputs);
    const torch::Device device = apply_runtime(o->rt);
    std::vector<std::string> paths;
    int64_t size = 0;
    for (const std::string& m : o->models) {
      paths.push_back(resolve_model_path(m));
      if (is_baseline_file(paths.back())) {
        if (size == 0) size = load_baseline_checkpoint(paths.back(), torch::kCPU).model->spec().image_size;
      } else if (size == 0) {
        size = open_model(paths.back(), torch::kCPU, ModelLoadOptions{})->shape().height;
      }
    }
    const std::string feat_path = o->features.empty() ? default_features() : o->features;
    std::unique_ptr<FeatureExtractor> features = load_feature_extractor(feat_path, device);
    const ComparisonData data = load_comparison_data(o->data, size, *features, o->cmp);
    nlohmann::json rows = nlohmann::json::array();
    for (const std::string& p : paths) rows.push_back(compare_one_model(p, device, *features, data, o->cmp));
    std::printf("%-44s %-4s %9s %10s %11s %11s %11s\n", "model", "kind", "FD", "recon MSE", "masked MSE", "s/sample", "s/recon");
    for (const auto& r : rows)
      std::printf("%-44s %-4s %9.2f %10.4f %11.4f %11.5f %11.4f\n", clip(r["model"].get<std::string>(), 44).c_str(),
                  r["kind"].get<std::string>().c_str(), r["fd"].get<double>(), r["recon_mse"].get<double>(),
                  r["masked_recon_mse"].get<double>(), r["seconds_per_sample"].get<double>(),
                  r["seconds_per_reconstruction"].get<double>());
    std::printf("FD: %lld samples vs %lld test images of %s in %s; reconstruction: the first %lld test images, MSE over all pixels "
                "against the original (masked: '%s' hidden while fitting)\n",
                static_cast<long long>(o->cmp.n_fd), static_cast<long long>(o->cmp.n_fd), o->data.c_str(), feat_path.c_str(),
                static_cast<long long>(o->cmp.n_recon), o->cmp.mask.c_str());
    std::fflush(stdout);
    if (!o->json_out.empty()) {
      const nlohmann::json j = {{"rows", rows}, {"data", o->data}, {"features", feat_path}};
      write_file_atomic(o->json_out, [&](std::ostream& out) { out << json_text(j, 2) << "\n"; });
    }
  });
}

}  // namespace shortrun::cli

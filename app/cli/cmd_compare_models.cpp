// `shortrun compare-models A B C`: the paper's Table 1 shape for any mix of EBMs, VAEs and GANs,
// all scored by one protocol (model_comparison.h): rows are models; columns FD, reconstruction
// MSE, masked-reconstruction MSE and seconds per sample / per reconstruction. Text on stdout,
// JSON with --json, a figure with --png.
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "cmd_generate.h"
#include "comparison_figure.h"
#include "model_comparison.h"
#include "shortrun/base/printable.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/generators/generator_file.h"

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
    std::string data = "fashion-mnist", features, json_out, png_out;
    ComparisonOptions cmp;
    RuntimeOptions rt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("compare-models", "Table 1 of the paper for EBMs, VAEs and GANs: FD, reconstruction MSE "
                                                       "(plain and masked) and time, by one protocol");
  cmd->add_option("models", o->models, "model files or run directories (EBM, VAE or GAN); none: the bundled EBM, VAE and GAN "
                                      "(assets/fmnist.safetensors, fmnist_vae.safetensors, fmnist_gan.safetensors)");
  cmd->add_option("--data", o->data, "test images: fashion-mnist | idx:PATH | cifar10:DIR")->capture_default_str();
  cmd->add_option("--n", o->cmp.n_fd, "samples and test images for FD")->capture_default_str()->check(CLI::Range(2, 100000));
  cmd->add_option("--features", o->features, "feature net (default: the bundled assets/fmnist_features.safetensors)");
  cmd->add_option("--seed", o->cmp.seed, "seed of the samples and of a random mask")->capture_default_str()->check(seed_check());
  cmd->add_option("--json", o->json_out, "also write the table as JSON to this file");
  cmd->add_option("--png", o->png_out, "also draw the table as a figure: per model a few samples, the reconstruction and the "
                                       "masked reconstruction of test image 0, and its numbers");
  add_comparison_options(*cmd, o->cmp);
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    std::vector<NamedPath> inputs = {{"--features", o->features}, data_input(o->data)};
    for (const std::string& m : o->models) inputs.push_back(model_input("model", m));
    check_outputs({{"--json", o->json_out}, {"--png", o->png_out}}, inputs);
    const torch::Device device = apply_runtime(o->rt);
    std::vector<std::string> paths;
    for (const std::string& m : o->models) paths.push_back(resolve_model_path(m));
    if (paths.empty()) {
      paths = bundled_comparison_models();
      std::printf("comparing the bundled models: %s, %s, %s\n", paths[0].c_str(), paths[1].c_str(), paths[2].c_str());
    }
    const int64_t size = open_generator(paths.front(), torch::kCPU)->shape().height;
    const std::string feat_path = o->features.empty() ? default_features() : o->features;
    std::unique_ptr<FeatureExtractor> features = load_feature_extractor(feat_path, device);
    const ComparisonData data = load_comparison_data(o->data, size, *features, o->cmp);
    nlohmann::json rows = nlohmann::json::array();
    std::vector<ComparisonImages> images(paths.size());
    for (size_t i = 0; i < paths.size(); ++i)
      rows.push_back(compare_one_model(paths[i], device, *features, data, o->cmp, o->png_out.empty() ? nullptr : &images[i]));
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
      const nlohmann::json j = {{"rows", rows}, {"data", o->data}, {"features", feat_path}, {"device", device.str()}};
      write_file_atomic(o->json_out, [&](std::ostream& out) { out << json_text(j, 2) << "\n"; });
    }
    if (!o->png_out.empty())
      write_comparison_figure(o->png_out, rows, images, data.test[0],
                              make_mask(o->cmp.mask, data.test.size(2), data.test.size(3), o->cmp.seed));
  });
}

}  // namespace shortrun::cli

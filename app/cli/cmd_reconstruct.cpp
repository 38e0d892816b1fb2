// `shortrun reconstruct` (images, optionally masked) and `shortrun eval-recon` (the paper's
// reconstruction metric over a test split): optimise z so that M(z, u) matches the image.
// reconstruct also takes a VAE or GAN, through the generators wing (baseline_options.h).
#include <chrono>
#include <iostream>

#include "baseline_options.h"
#include "cli_common.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"

namespace shortrun::cli {
namespace {

void add_reconstruct_options(CLI::App& cmd, ReconstructConfig& c) {
  cmd.add_option("--iters", c.iters, "Adam iterations on z")->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd.add_option("--lr", c.lr, "Adam learning rate on z")->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--hessian", c.hessian, "auto: skip the double backward where it is provably zero (LeakyReLU); always")
      ->capture_default_str()->check(CLI::IsMember({"auto", "always"}));
}

// Images from a file, converted to the model's channels and size (with a note on stderr).
torch::Tensor load_observed(const std::string& path, const DataShape& shape) {
  torch::Tensor imgs = read_image_or_npy(path);
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < imgs.size(0); ++i) {
    std::string note;
    out.push_back(conform_image(imgs[i], shape.channels, shape.height, shape.width, &note));
    if (!note.empty() && i == 0) std::cerr << "note: " << path << ": " << note << " to fit the model's " << shape.str() << "\n";
  }
  return torch::stack(out);
}

torch::Tensor load_mask(const std::string& spec, const DataShape& shape, uint64_t seed) {
  if (spec.empty()) return torch::Tensor();
  if (spec == "center" || spec == "left" || spec.rfind("random:", 0) == 0) return make_mask(spec, shape.height, shape.width, seed);
  const torch::Tensor img = read_image(spec);
  if (img.size(1) != shape.height || img.size(2) != shape.width)
    throw file_error(spec, "mask is " + std::to_string(img.size(1)) + "x" + std::to_string(img.size(2)) +
                               "; expected " + std::to_string(shape.height) + "x" + std::to_string(shape.width) +
                               " (white = observed)");
  return (img[0] > 0).to(torch::kFloat32).view({1, 1, shape.height, shape.width});
}

struct Options {
  std::string model, image, mask, out = "reconstruction.png";
  bool json = false;
  ReconstructConfig rc;
  SamplerOverrides sampler;
  RuntimeOptions rt;
  ModelOptions mo;
};

// --mask for the model's shape; an error names --mask unless it names the mask file already.
torch::Tensor observed_mask(const Options& o, const DataShape& shape, uint64_t seed) {
  try {
    const torch::Tensor mask = load_mask(o.mask, shape, seed);
    if (mask.defined() && mask.sum().item<double>() == 0) throw Error("mask observes no pixel; nothing to reconstruct from");
    return mask;
  } catch (const Error& e) {
    const std::string what = e.what();
    throw Error(what.rfind(o.mask, 0) == 0 ? what : "--mask " + o.mask + ": " + what);
  }
}

// What reconstruct writes for any model kind: the PNG (observed with hidden pixels grey |
// reconstruction | |error| from 0 black to 2 white, a row per image), and on stdout either one JSON
// object (`fields` plus the per-image MSE and the MSE curve) or a line per image and `summary`.
void report(const Options& o, const torch::Tensor& observed, const torch::Tensor& mask, const torch::Tensor& x_fit,
            const torch::Tensor& mse_fit, const std::vector<double>& curve, nlohmann::json fields, const std::string& summary) {
  const torch::Tensor x = x_fit.to(torch::kCPU), obs = observed.to(torch::kCPU);
  const torch::Tensor shown = mask.defined() ? obs * mask.to(torch::kCPU) : obs;
  const torch::Tensor err = (x - obs).abs() - 1.0;
  if (!o.out.empty()) write_png(o.out, make_grid(torch::stack({shown, x, err}, 1).flatten(0, 1), 3));
  const torch::Tensor mse = mse_fit.to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t n = mse.numel();
  if (o.json) {
    fields["mse"] = std::vector<double>(mse.data_ptr<double>(), mse.data_ptr<double>() + n);
    fields["mse_curve"] = curve;
    std::cout << json_text(fields) << std::endl;
  } else {
    for (int64_t i = 0; i < n; ++i) std::printf("image %lld: mse %.6f\n", static_cast<long long>(i), mse[i].item<double>());
    std::printf("%s\n", summary.c_str());
  }
}

// What a VAE or GAN does not take: the chain, its Hessian term, the sampler, TorchScript.
std::vector<std::string> ebm_only_flags() {
  std::vector<std::string> flags = {"--hessian"};
  for (const std::string& f : chain_only_flags()) flags.push_back(f);
  return flags;
}

// A VAE (its encoder's mean on the masked image, then --iters Adam steps on z) or a GAN (Adam on z
// from z = 0), by the Generator interface as compare-models and the explorer reconstruct.
void reconstruct_baseline(const CLI::App& cmd, const Options& o, BaselineGenerator& g, const std::string& path) {
  refuse_ebm_only_flags(cmd, ebm_only_flags(), path, g);
  require_gan_iterations(g, o.rc.iters, "--iters", path);
  const torch::Tensor observed = load_observed(o.image, g.shape());
  const torch::Tensor mask = observed_mask(o, g.shape(), baseline_seed(o.sampler));
  GeneratorReconOptions ro;
  ro.iters = o.rc.iters;
  ro.lr = o.rc.lr;
  const auto t0 = std::chrono::steady_clock::now();
  const GeneratorRecon r = g.reconstruct(observed.to(g.device()), mask.defined() ? mask.to(g.device()) : mask, ro,
                                         [&](const ReconstructIteration& it) {
    if (!o.json && (it.iteration % 50 == 0))
      std::fprintf(stderr, "iter %5lld  mse %.5f\n", static_cast<long long>(it.iteration), it.mse.mean().item<double>());
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string start = g.has_encoder() ? "from its encoder's mean" : "from z = 0";
  char summary[9000];
  std::snprintf(summary, sizeof summary, "%lld image(s), %lld iterations on z %s, %s %s, %.1f s -> %s",
                static_cast<long long>(observed.size(0)), static_cast<long long>(o.rc.iters), start.c_str(),
                g.model().kind_name().c_str(), printable(path).c_str(), secs, o.out.c_str());
  report(o, observed, mask, r.x, r.mse, r.curve,
         {{"image", o.image}, {"kind", g.kind()}, {"iters", o.rc.iters}, {"lr", o.rc.lr}, {"seconds", secs}}, summary);
}

}  // namespace

void add_reconstruct_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("reconstruct", "Find z so that the short-run chain M(z, u), a VAE's decoder or a GAN's "
                                                    "generator reproduces an image");
  cmd->add_option("--model,-m", o->model, "model file or run dir: an energy model, or a VAE/GAN of train --model vae|gan "
                                          "(default: the bundled model)");
  cmd->add_option("--image", o->image, "observed image(s): PNG/JPEG, or NPY [N,C,H,W] in [-1,1]")->required();
  cmd->add_option("--mask", o->mask, "PNG (white = observed), center, left or random:P (fraction hidden)");
  cmd->add_option("--out", o->out, "PNG: observed | reconstruction | |error| per row")->capture_default_str();
  cmd->add_flag("--json", o->json, "print one JSON object with the per-image MSE and the MSE curve");
  add_reconstruct_options(*cmd, o->rc);
  o->sampler.add(*cmd);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  mark_ebm_only(*cmd, ebm_only_flags());
  cmd->footer("Model kinds: an energy model (EBM) fits z_0 of its short-run chain by Adam through all K steps. A VAE "
              "(train --model vae) starts from its encoder's mean on the masked image and takes --iters Adam steps on z "
              "(0: the encoder alone); a GAN inverts its generator by Adam on z from z = 0 (--iters > 0). A VAE or GAN takes "
              "every flag but those marked [EBM only] (refused); --seed then only seeds --mask random:P. The MSE is over "
              "the observed pixels for every kind; --json gives kind and no hessian_skipped for a VAE or GAN.");
  cmd->callback([o, cmd] {
    check_outputs({{"--out", o->out}}, {model_input("--model", o->model), {"--image", o->image}, {"--mask", o->mask}});
    std::string path;
    if (const auto baseline = open_baseline_model(o->model, o->rt, &path)) return reconstruct_baseline(*cmd, *o, *baseline, path);
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    const torch::Device device = setup.device;
    EnergyModel* model = setup.model.get();
    const SamplerConfig& cfg = setup.sampler;
    const torch::Tensor observed = load_observed(o->image, model->shape());
    const torch::Tensor mask = observed_mask(*o, model->shape(), cfg.seed);
    const LangevinSampler sampler(*model, cfg);
    const Reconstructor rec(sampler, o->rc);
    const int64_t n = observed.size(0);
    const auto t0 = std::chrono::steady_clock::now();
    const ReconstructResult r = rec.run(observed.to(device), mask.defined() ? mask.to(device) : mask,
                                        chain_range(0, n, device), [&](const ReconstructIteration& it) {
      if (!o->json && (it.iteration % 50 == 0)) {
        std::fprintf(stderr, "iter %5lld  mse %.5f\n", static_cast<long long>(it.iteration), it.mse.mean().item<double>());
      }
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const torch::Tensor curve = r.curve.to(torch::kCPU, torch::kFloat64).mean(1).contiguous();
    char summary[9000];
    std::snprintf(summary, sizeof summary, "%lld image(s), %lld iterations, K=%lld, %.1f s%s -> %s", static_cast<long long>(n),
                  static_cast<long long>(o->rc.iters), static_cast<long long>(cfg.steps), secs,
                  rec.skips_hessian() ? " (LeakyReLU net: Hessian term is zero a.e., skipped)" : "", o->out.c_str());
    report(*o, observed, mask, r.x, r.mse, std::vector<double>(curve.data_ptr<double>(), curve.data_ptr<double>() + curve.numel()),
           {{"image", o->image}, {"iters", o->rc.iters}, {"lr", o->rc.lr}, {"seconds", secs}, {"hessian_skipped", rec.skips_hessian()}},
           summary);
  });
}

void add_eval_recon_command(CLI::App& app) {
  struct Options {
    std::string model, data = "fashion-mnist", split = "test";
    int64_t n = 500, batch = 100;
    ReconstructConfig rc;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("eval-recon", "Mean reconstruction MSE over n images of a data split (one JSON line)");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--data", o->data, "fashion-mnist | idx:PATH | cifar10:DIR | folder:DIR")->capture_default_str();
  cmd->add_option("--split", o->split, "train or test")->capture_default_str()->check(CLI::IsMember({"train", "test"}));
  cmd->add_option("--n", o->n, "number of images (the first n)")->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--batch", o->batch, "images reconstructed together")->capture_default_str()->check(CLI::Range(1, 65536));
  add_reconstruct_options(*cmd, o->rc);
  o->sampler.add(*cmd);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    const torch::Device device = setup.device;
    EnergyModel* model = setup.model.get();
    const SamplerConfig& cfg = setup.sampler;
    DataOptions d;
    d.split = o->split;
    d.image_size = model->shape().height;
    d.limit = o->n;
    const Dataset data = load_dataset(o->data, d);
    if (data.images.size(1) != model->shape().channels)
      throw Error(o->data + ": images have " + std::to_string(data.images.size(1)) + " channels; the model expects " +
                  std::to_string(model->shape().channels));
    const LangevinSampler sampler(*model, cfg);
    const Reconstructor rec(sampler, o->rc);
    const int64_t n = data.images.size(0);
    std::vector<torch::Tensor> mses;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < n; i += o->batch) {
      const int64_t b = std::min(o->batch, n - i);
      const ReconstructResult r = rec.run(data.images.narrow(0, i, b).to(device), torch::Tensor(), chain_range(i, b, device));
      mses.push_back(r.mse.to(torch::kCPU, torch::kFloat64));
      std::fprintf(stderr, "eval-recon: %lld/%lld images, running mean mse %.5f\n", static_cast<long long>(i + b),
                   static_cast<long long>(n), torch::cat(mses).mean().item<double>());
    }
    const torch::Tensor all = torch::cat(mses);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json j = {{"model", resolve_model_path(o->model)}, {"data", o->data},   {"split", o->split},
                        {"n", n},                                {"iters", o->rc.iters}, {"lr", o->rc.lr},
                        {"steps", cfg.steps},                    {"mse_mean", all.mean().item<double>()},
                        {"mse_std", n > 1 ? all.std().item<double>() : 0.0}, {"seconds", secs}};
    std::cout << json_text(j) << std::endl;
  });
}

}  // namespace shortrun::cli

// `shortrun reconstruct` (images, optionally masked) and `shortrun eval-recon` (the paper's
// reconstruction metric over a test split): optimise z so that M(z, u) matches the image.
#include <chrono>
#include <iostream>

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

}  // namespace

void add_reconstruct_command(CLI::App& app) {
  struct Options {
    std::string model, image, mask, out = "reconstruction.png";
    bool json = false;
    ReconstructConfig rc;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("reconstruct", "Find z so that the short-run chain M(z, u) reproduces an image");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--image", o->image, "observed image(s): PNG/JPEG, or NPY [N,C,H,W] in [-1,1]")->required();
  cmd->add_option("--mask", o->mask, "PNG (white = observed), center, left or random:P (fraction hidden)");
  cmd->add_option("--out", o->out, "PNG: observed | reconstruction | |error| per row")->capture_default_str();
  cmd->add_flag("--json", o->json, "print one JSON object with the per-image MSE and the MSE curve");
  add_reconstruct_options(*cmd, o->rc);
  o->sampler.add(*cmd);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    check_outputs({{"--out", o->out}}, {model_input("--model", o->model), {"--image", o->image}, {"--mask", o->mask}});
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    const torch::Device device = setup.device;
    EnergyModel* model = setup.model.get();
    const SamplerConfig& cfg = setup.sampler;
    const torch::Tensor observed = load_observed(o->image, model->shape());
    torch::Tensor mask;
    try {
      mask = load_mask(o->mask, model->shape(), cfg.seed);
      if (mask.defined() && mask.sum().item<double>() == 0) throw Error("mask observes no pixel; nothing to reconstruct from");
    } catch (const Error& e) {
      const std::string what = e.what();
      throw Error(what.rfind(o->mask, 0) == 0 ? what : "--mask " + o->mask + ": " + what);
    }
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

    // observed (hidden pixels grey) | reconstruction | |error| (0 black .. 2 white)
    const torch::Tensor x = r.x.to(torch::kCPU), obs = observed.to(torch::kCPU);
    const torch::Tensor shown = mask.defined() ? obs * mask.to(torch::kCPU) : obs;
    const torch::Tensor err = (x - obs).abs() - 1.0;
    if (!o->out.empty()) write_png(o->out, make_grid(torch::stack({shown, x, err}, 1).flatten(0, 1), 3));
    const torch::Tensor mse = r.mse.to(torch::kCPU, torch::kFloat64);
    if (o->json) {
      nlohmann::json j = {{"image", o->image}, {"iters", o->rc.iters}, {"lr", o->rc.lr}, {"seconds", secs},
                          {"mse", std::vector<double>(mse.data_ptr<double>(), mse.data_ptr<double>() + n)},
                          {"hessian_skipped", rec.skips_hessian()}};
      const torch::Tensor curve = r.curve.mean(1).contiguous();
      j["mse_curve"] = std::vector<double>(curve.data_ptr<double>(), curve.data_ptr<double>() + curve.numel());
      std::cout << json_text(j) << std::endl;
    } else {
      for (int64_t i = 0; i < n; ++i) std::printf("image %lld: mse %.6f\n", static_cast<long long>(i), mse[i].item<double>());
      std::printf("%lld image(s), %lld iterations, K=%lld, %.1f s%s -> %s\n", static_cast<long long>(n),
                  static_cast<long long>(o->rc.iters), static_cast<long long>(cfg.steps), secs,
                  rec.skips_hessian() ? " (LeakyReLU net: Hessian term is zero a.e., skipped)" : "", o->out.c_str());
    }
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

// `shortrun tune-sampler`: which K and step size make the best short-run generator out of a
// trained energy net. A net learned with K steps is not always at its best after exactly K
// (an under-trained one often needs more), so this measures FD over a grid, against training
// images only (the test split that `eval` reports on is never looked at), and can write a copy
// of the checkpoint whose sampler defaults are the winner, with the whole table in its provenance.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>

#include "cli_common.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/portable_path.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/training/evaluation.h"
#include "shortrun/training/fd_criterion.h"

namespace shortrun::cli {

namespace {
constexpr uint64_t kDefaultTuneSeed = 7;  // not the sampler's default seed 1, which `eval` uses

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void add_tune_sampler_command(CLI::App& app) {
  struct Options {
    std::string model, data = "fashion-mnist", features, out;
    std::vector<int64_t> steps;
    std::vector<double> step_sizes;
    int64_t n = 1000;
    uint64_t seed = kDefaultTuneSeed;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "tune-sampler", "Pick the Langevin K and step size with the lowest FD against training images; optionally write them as a copy's defaults");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--data", o->data, "fashion-mnist | idx:PATH | cifar10:DIR (its training split is the reference)")->capture_default_str();
  cmd->add_option("--steps", o->steps, "values of K to try, e.g. 40,60,80 (default: the model's K)")
      ->delimiter(',')->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd->add_option("--step-sizes", o->step_sizes, "step sizes to try, e.g. 0.5,1 (default: the model's)")
      ->delimiter(',')->check(CLI::PositiveNumber);
  cmd->add_option("--n", o->n, "samples per setting, compared with the last N training images")->capture_default_str()->check(CLI::Range(2, 100000));
  cmd->add_option("--seed", o->seed, "noise seed of the chains (kept apart from eval's default seed 1)")->capture_default_str()->check(seed_check());
  cmd->add_option("--features", o->features, "feature net (.safetensors from train-features) or TorchScript module (default: the bundled one)");
  cmd->add_option("--out", o->out, "write a copy of the checkpoint with the best setting as its sampler defaults (.safetensors)");
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    const std::string model_path = resolve_model_path(o->model);
    if (!o->out.empty()) {
      if (!ends_with(o->out, ".safetensors")) throw Error("--out " + o->out + ": expected a .safetensors file name");
      check_outputs({{"--out", o->out}}, {{"--model (the model being tuned)", model_path}, {"--features", o->features}, data_input(o->data)});
    }
    const ModelLoadOptions load = load_options(o->mo);
    const torch::Device device = apply_runtime(o->rt);
    std::unique_ptr<EnergyModel> model = load_energy_model(model_path, device, load);
    model->set_weights_trainable(false);
    model->train(false);
    auto* native = dynamic_cast<NativeEnergyModel*>(model.get());
    if (!o->out.empty() && !native)
      throw file_error(model_path, "--out needs a native checkpoint; convert it first with `shortrun convert`");

    const SamplerConfig trained = model->card().sampler;
    if (o->steps.empty()) o->steps = {trained.steps};
    if (o->step_sizes.empty()) o->step_sizes = {trained.step_size};

    const std::string feat_path = o->features.empty() ? default_features() : o->features;
    const FdCriterion criterion = load_fd_criterion(o->data, feat_path, o->n, *model, device, o->mo.trust_code);

    nlohmann::json results = nlohmann::json::array();
    double best_fd = std::numeric_limits<double>::infinity();
    SamplerConfig best = trained;
    const size_t total = o->steps.size() * o->step_sizes.size();
    size_t done = 0;
    for (const double step_size : o->step_sizes) {
      for (const int64_t steps : o->steps) {
        SamplerConfig s = trained;
        s.steps = steps;
        s.step_size = step_size;
        s.seed = o->seed;
        s.validate();
        const auto t0 = std::chrono::steady_clock::now();
        const torch::Tensor x = draw_samples(*model, s, o->n);
        const double fd = criterion.fd(x);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double saturated = (x.abs() >= 0.99).to(torch::kFloat64).mean().item<double>();
        results.push_back({{"steps", steps}, {"step_size", step_size}, {"fd", fd}, {"saturated_fraction", saturated}, {"seconds", seconds}});
        std::fprintf(stderr, "tune-sampler: [%zu/%zu] K %4lld  step %-6g  FD %9.3f  saturated %.3f  (%.0f s)\n", ++done, total,
                     static_cast<long long>(steps), step_size, fd, saturated, seconds);
        // A chain that blew up gives NaN: never the winner.
        if (std::isfinite(fd) && fd < best_fd) {
          best_fd = fd;
          best = s;
        }
      }
    }
    if (!std::isfinite(best_fd)) throw Error("no setting gave a finite FD (every chain diverged); try smaller step sizes");
    best.seed = trained.seed;

    // Provenance names files relative to the copy's folder or assets/, never by this machine's paths.
    std::string out_dir = o->out.empty() ? "" : std::filesystem::path(o->out).parent_path().string();
    if (out_dir.empty()) out_dir = ".";
    std::string feat_desc = criterion.features->description();
    if (const size_t at = feat_desc.find(feat_path); at != std::string::npos)
      feat_desc.replace(at, feat_path.size(), portable_path(feat_path, out_dir));
    nlohmann::json j = {{"model", model_path},
                        {"criterion", "FD of N samples vs the last N training images (the test split is not used)"},
                        {"features", feat_desc},
                        {"n", o->n},
                        {"seed", o->seed},
                        {"trained_with", trained},
                        {"results", results},
                        {"best", {{"steps", best.steps}, {"step_size", best.step_size}, {"fd", best_fd}}}};
    if (!o->out.empty()) {
      native->card().sampler = best;
      nlohmann::json tuning = j;
      tuning.erase("model");
      tuning["tuned_from"] = portable_path(model_path, out_dir);
      native->card().provenance["sampler_tuning"] = tuning;
      save_checkpoint(o->out, *native);
      j["out"] = o->out;
      std::fprintf(stderr, "tune-sampler: wrote %s with sampler defaults K=%lld, step size %g (trained with K=%lld, step size %g)\n",
                   o->out.c_str(), static_cast<long long>(best.steps), best.step_size, static_cast<long long>(trained.steps),
                   trained.step_size);
    }
    std::cout << json_text(j) << std::endl;
  });
}

}  // namespace shortrun::cli

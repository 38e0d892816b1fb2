// `shortrun sample`: run short-run Langevin chains and write a PNG grid / NPY / trajectory.
#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "shortrun/error.h"
#include "shortrun/image_io.h"
#include "shortrun/langevin_sampler.h"
#include "shortrun/npy.h"

namespace shortrun::cli {

void add_sample_command(CLI::App& app) {
  struct Options {
    std::string model, init_file, out = "samples.png", npy, trajectory;
    int64_t n = 64, every = 10, cols = 0;
    bool quiet = false;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("sample", "Run short-run Langevin chains from noise (or --init images)");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--n", o->n, "number of chains")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  o->sampler.add(*cmd);
  cmd->add_option("--init", o->init_file, "start chains from images (PNG/JPEG, or NPY [N,C,H,W]) instead of noise");
  cmd->add_option("--out", o->out, "PNG grid of the final states ('-': stdout, '': none)")->capture_default_str();
  cmd->add_option("--cols", o->cols, "grid columns (default: sqrt(n))");
  cmd->add_option("--npy", o->npy, "also write x_K as float32 NPY [N,C,H,W]");
  cmd->add_option("--trajectory", o->trajectory, "write states every --every steps as NPY [T,N,C,H,W]");
  cmd->add_option("--every", o->every, "trajectory interval")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet,-q", o->quiet, "print nothing on success");
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    check_one_stdout_output({{"--out", o->out}, {"--npy", o->npy}, {"--trajectory", o->trajectory}});
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    const torch::Device device = setup.device;
    EnergyModel* model = setup.model.get();
    const SamplerConfig& cfg = setup.sampler;
    const DataShape shape = model->shape();

    std::optional<torch::Tensor> init;
    if (!o->init_file.empty()) {
      torch::Tensor imgs = read_image_or_npy(o->init_file);
      if (imgs.size(1) != shape.channels || imgs.size(2) != shape.height || imgs.size(3) != shape.width)
        throw file_error(o->init_file, "image is " + std::to_string(imgs.size(1)) + "x" + std::to_string(imgs.size(2)) + "x" +
                                           std::to_string(imgs.size(3)) + " (CxHxW); the model expects " + shape.str());
      // Cycle through the given images to fill n chains.
      init = imgs.index_select(0, torch::arange(o->n, torch::kInt64).remainder(imgs.size(0)));
    }
    std::vector<torch::Tensor> frames;
    StepObserver observer = nullptr;
    if (!o->trajectory.empty())
      observer = [&](const StepInfo& s) {
        if (s.step % o->every == 0 || s.step == cfg.steps) frames.push_back(s.x.detach().to(torch::kCPU).clone());
      };
    LangevinSampler sampler(*model, cfg);
    const auto t0 = std::chrono::steady_clock::now();
    SampleResult result = sampler.run(o->n, init, observer);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t dead = o->n - result.alive.sum().item<int64_t>();

    const torch::Tensor x = result.x.to(torch::kCPU);
    const int64_t cols = o->cols > 0 ? o->cols : static_cast<int64_t>(std::ceil(std::sqrt(double(o->n))));
    if (!o->out.empty()) write_png(o->out, make_grid(x, cols));
    if (!o->npy.empty()) write_npy(o->npy, x);
    if (!o->trajectory.empty()) write_npy(o->trajectory, torch::stack(frames));
    if (!o->quiet) {
      std::cout << "sampled " << o->n << " chains x " << cfg.steps << " steps (step " << cfg.step_size << ", noise "
                << cfg.noise_std << ", seed " << cfg.seed << ") on " << device << " in " << secs << " s ("
                << (secs > 0 ? double(o->n * cfg.steps) / secs : 0.0) << " chain-steps/s)";
      if (!o->out.empty()) std::cout << " -> " << o->out;
      std::cout << "\n";
      if (dead) std::cout << "warning: " << dead << " chain(s) turned NaN/Inf and were frozen at their last finite state\n";
    }
  });
}

}  // namespace shortrun::cli

// `shortrun sample`: run short-run Langevin chains and write a PNG grid / NPY / trajectory.
// Chains stream through in fixed-size batches (chain i is the same for any batch: the noise is
// addressed by chain and evaluations come in fixed-size chunks), so memory does not grow with
// --n: NPY outputs are assembled in a temporary file, the PNG is written last.
#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "shortrun/error.h"
#include "shortrun/image_io.h"
#include "shortrun/langevin_sampler.h"
#include "shortrun/npy.h"
#include "spill_file.h"

namespace shortrun::cli {

void add_sample_command(CLI::App& app) {
  struct Options {
    std::string model, init_file, out = "samples.png", npy, trajectory;
    int64_t n = 64, every = 10, cols = 0, batch = 1024;
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
  cmd->add_option("--batch-chains", o->batch, "chains sampled at a time; memory is bounded by this, not by --n "
                                             "(the results do not depend on it unless --chunk 0)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
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

    torch::Tensor init_images;  // cycled through to fill the chains, batch by batch
    if (!o->init_file.empty()) {
      torch::Tensor imgs = read_image_or_npy(o->init_file);
      if (imgs.size(1) != shape.channels || imgs.size(2) != shape.height || imgs.size(3) != shape.width)
        throw file_error(o->init_file, "image is " + std::to_string(imgs.size(1)) + "x" + std::to_string(imgs.size(2)) + "x" +
                                           std::to_string(imgs.size(3)) + " (CxHxW); the model expects " + shape.str());
      init_images = imgs;
    }
    // Chunked evaluation makes chain i independent of its batch; --chunk 0 (one evaluation
    // for all chains) keeps all chains in one batch, as asked.
    const int64_t n = o->n;
    const int64_t batch = cfg.chunk > 0 ? (std::min(o->batch, n) + cfg.chunk - 1) / cfg.chunk * cfg.chunk : n;
    const int64_t d = shape.numel();
    std::vector<int64_t> frame_steps;
    for (int64_t k = 0; k <= cfg.steps; ++k)
      if (k % o->every == 0 || k == cfg.steps) frame_steps.push_back(k);
    const auto chw = shape.chw();
    std::vector<int64_t> x_shape{n}, traj_shape{static_cast<int64_t>(frame_steps.size()), n};
    x_shape.insert(x_shape.end(), chw.begin(), chw.end());
    traj_shape.insert(traj_shape.end(), chw.begin(), chw.end());
    const std::string x_pre = npy_preamble(x_shape), traj_pre = npy_preamble(traj_shape);
    std::unique_ptr<SpillFile> x_spill, traj_spill;
    if (!o->npy.empty()) x_spill = std::make_unique<SpillFile>("--npy " + o->npy);
    if (!o->trajectory.empty()) traj_spill = std::make_unique<SpillFile>("--trajectory " + o->trajectory);
    const int64_t grid_max = 4096;  // a grid of more images is no picture anyone looks at
    std::vector<torch::Tensor> grid_parts;
    LangevinSampler sampler(*model, cfg);
    int64_t dead = 0;
    double accept_sum = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t first = 0; first < n; first += batch) {
      const int64_t b = std::min(batch, n - first);
      StepObserver observer = nullptr;
      size_t frame = 0;
      if (traj_spill)
        observer = [&](const StepInfo& s) {
          if (frame >= frame_steps.size() || s.step != frame_steps[frame]) return;
          const uint64_t at = traj_pre.size() + (uint64_t(frame) * uint64_t(n) + uint64_t(first)) * uint64_t(d) * 4;
          traj_spill->write_at(at, s.x);
          ++frame;
        };
      std::optional<torch::Tensor> init_b;
      if (init_images.defined())
        init_b = init_images.index_select(0, torch::arange(first, first + b, torch::kInt64).remainder(init_images.size(0)));
      const SampleResult r = sampler.run(chain_range(first, b, device), init_b, observer);
      dead += b - r.alive.sum().item<int64_t>();
      if (r.accept_rate.defined()) accept_sum += r.accept_rate.sum().item<double>();
      const torch::Tensor x = r.x.to(torch::kCPU);
      if (x_spill) x_spill->write_at(x_pre.size() + uint64_t(first) * uint64_t(d) * 4, x);
      if (first < grid_max) grid_parts.push_back(x.narrow(0, 0, std::min(b, grid_max - first)).clone());
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const uint64_t x_bytes = x_pre.size() + uint64_t(n) * uint64_t(d) * 4;
    const uint64_t traj_bytes = traj_pre.size() + uint64_t(frame_steps.size()) * uint64_t(n) * uint64_t(d) * 4;
    if (x_spill) {
      x_spill->write_at(0, x_pre.data(), x_pre.size());
      x_spill->copy_to(o->npy, x_bytes);
    }
    if (traj_spill) {
      traj_spill->write_at(0, traj_pre.data(), traj_pre.size());
      traj_spill->copy_to(o->trajectory, traj_bytes);
    }
    const torch::Tensor grid = torch::cat(grid_parts);
    const int64_t shown = grid.size(0);
    const int64_t cols = o->cols > 0 ? o->cols : static_cast<int64_t>(std::ceil(std::sqrt(double(shown))));
    if (!o->out.empty()) write_png(o->out, make_grid(grid, cols));  // last: everything else has succeeded
    if (!o->quiet) {
      std::cout << "sampled " << n << " chains x " << cfg.steps << " steps (step " << cfg.step_size << ", noise "
                << cfg.noise_std << ", seed " << cfg.seed << ") on " << device << " in " << secs << " s ("
                << (secs > 0 ? double(n * cfg.steps) / secs : 0.0) << " chain-steps/s)";
      if (!o->out.empty()) std::cout << " -> " << o->out << (shown < n ? " (the first " + std::to_string(shown) + ")" : "");
      std::cout << "\n";
      if (cfg.mala) std::cout << "MALA: mean acceptance " << accept_sum / double(n) << "\n";
      if (dead) std::cout << "warning: " << dead << " chain(s) turned NaN/Inf and were frozen at their last finite state\n";
    }
  });
}

}  // namespace shortrun::cli

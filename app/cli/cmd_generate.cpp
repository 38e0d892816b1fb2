// `shortrun generate`: images from a VAE's decoder or a GAN's generator (`train --model vae|gan`),
// z_i ~ N(0, I) a pure function of (seed, i), so image i is the same whatever --n is; synthesis
// through the Generator interface (generators/generator.h), as compare-models samples.
#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "cmd_generate.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/npy.h"
#include "shortrun/generators/baseline_generator.h"

namespace shortrun::cli {

void add_generate_command(CLI::App& app) {
  struct Options {
    std::string model, out, npy;
    int64_t n = 64, cols = 8;
    uint64_t seed = 1;
    RuntimeOptions rt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("generate", "Images from a VAE or GAN baseline (shortrun train --model vae|gan)");
  cmd->add_option("--model,-m", o->model, "a baseline checkpoint (.safetensors) or its run directory")->required();
  cmd->add_option("--n", o->n, "images")->capture_default_str()->check(CLI::Range(int64_t(1), int64_t(1) << 20));
  cmd->add_option("--seed", o->seed, "seed of z (image i depends only on seed and i)")->capture_default_str()->check(seed_check());
  cmd->add_option("--cols", o->cols, "grid columns")->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_option("--out", o->out, "PNG grid (the first 4,096 images)");
  cmd->add_option("--npy", o->npy, "all images as float32 [N,C,H,W] in [-1,1]");
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    if (o->out.empty() && o->npy.empty()) throw CLI::ValidationError("generate", "give --out grid.png and/or --npy images.npy");
    check_one_stdout_output({{"--out", o->out}, {"--npy", o->npy}});
    check_outputs({{"--out", o->out}, {"--npy", o->npy}}, {model_input("--model", o->model)});
    const torch::Device device = apply_runtime(o->rt);
    const std::string path = resolve_model_path(o->model);
    // An energy model is refused here in one line (load_baseline_checkpoint); `sample` draws its chains.
    BaselineGenerator generator(load_baseline_checkpoint(path, device).model);
    const auto t0 = std::chrono::steady_clock::now();
    const torch::Tensor x = synthesize_range(generator, o->seed, 0, o->n);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o->npy.empty()) write_npy(o->npy, x);
    if (!o->out.empty()) write_png(o->out, make_grid(x.narrow(0, 0, std::min<int64_t>(4096, x.size(0))), o->cols));
    std::cerr << "generated " << o->n << " images with the " << generator.model().kind_name() << " " << path << " in " << seconds << " s ("
              << 1e3 * seconds / double(o->n) << " ms per image)\n";
  });
}

}  // namespace shortrun::cli

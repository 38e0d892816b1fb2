// `shortrun interpolate`: images along paths between noise endpoints; rows are endpoint pairs,
// columns ρ from 0 to 1; the energy f(M(z_ρ)) along each path goes to a CSV. A VAE or GAN model
// interpolates its z through the generators wing (baseline_options.h): the same grid and NPY.
#include <fstream>
#include <iostream>

#include "baseline_options.h"
#include "cli_common.h"
#include "shortrun/analysis/interpolation.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/npy.h"

namespace shortrun::cli {
namespace {

struct Options {
  std::string model, seeds = "1,2", chains, images, out = "interpolation.png", npy, energy;
  int64_t rows = 8;
  InterpolationSpec spec;
  ReconstructConfig rc;
  SamplerOverrides sampler;
  RuntimeOptions rt;
  ModelOptions mo;
};

// What a VAE or GAN does not take: the chain's noise and energy, the sampler, TorchScript.
std::vector<std::string> ebm_only_flags() {
  std::vector<std::string> flags = {"--noise-mode", "--energy"};
  for (const std::string& f : chain_only_flags()) flags.push_back(f);
  return flags;
}

// The two images of --images, conformed to the model's channels and size (a note on stderr).
torch::Tensor endpoint_images(const std::string& images, const DataShape& shape) {
  const auto comma = images.find(',');
  if (comma == std::string::npos) throw CLI::ValidationError("--images", "expected two image files as A,B");
  std::vector<torch::Tensor> imgs;
  for (const std::string& path : {images.substr(0, comma), images.substr(comma + 1)}) {
    std::string note;
    const torch::Tensor img = read_image_or_npy(path)[0];
    imgs.push_back(conform_image(img, shape.channels, shape.height, shape.width, &note));
    if (!note.empty()) std::cerr << "note: " << path << ": " << note << "\n";
  }
  return torch::stack(imgs);
}

// The grid (rows: pairs, columns: ρ) and the NPY [P, R, C, H, W].
void write_images(const Options& o, const InterpolationResult& res) {
  const torch::Tensor x = res.x.to(torch::kCPU);
  if (!o.out.empty()) write_png(o.out, make_grid(x.flatten(0, 1), x.size(1)));
  if (!o.npy.empty()) write_npy(o.npy, x);
}

// A VAE or GAN: endpoints are latents (seed, index) as `generate` draws them, or the z fitted to
// --images; the path runs in z through the decoder/generator.
void interpolate_baseline(const CLI::App& cmd, const Options& o, BaselineGenerator& g, const std::string& path) {
  refuse_ebm_only_flags(cmd, ebm_only_flags(), path, g);
  const uint64_t seed = baseline_seed(o.sampler);
  InterpolationResult res;
  if (!o.images.empty()) {
    require_gan_iterations(g, o.rc.iters, "--recon-iters", path);
    GeneratorReconOptions ro;
    ro.iters = o.rc.iters;
    ro.lr = o.rc.lr;
    const GeneratorRecon r = g.reconstruct(endpoint_images(o.images, g.shape()).to(g.device()), torch::Tensor(), ro);
    std::cout << "reconstructed the endpoints: mse " << r.mse[0].item<double>() << ", " << r.mse[1].item<double>() << "\n";
    res = g.interpolate_latents(r.z.narrow(0, 0, 1), r.z.narrow(0, 1, 1), o.spec);
  } else {
    std::vector<Endpoint> e1, e2;
    if (!o.chains.empty()) {
      const auto ij = parse_int_pair("--chains", o.chains);
      e1.push_back({seed, ij[0]});
      e2.push_back({seed, ij[1]});
    } else {
      const auto ab = parse_int_pair("--seeds", o.seeds);
      for (int64_t r = 0; r < o.rows; ++r) {
        e1.push_back({static_cast<uint64_t>(ab[0]), r});
        e2.push_back({static_cast<uint64_t>(ab[1]), r});
      }
    }
    res = g.interpolate(e1, e2, o.spec);
  }
  write_images(o, res);
  std::cout << "interpolated " << res.x.size(0) << " pair(s) x " << res.x.size(1) << " points with the " << g.model().kind_name()
            << " " << path << ": " << g.interpolation_method(o.spec);
  if (!o.out.empty()) std::cout << " -> " << o.out;
  std::cout << std::endl;
}

}  // namespace

void add_interpolate_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("interpolate", "Interpolate between latent endpoints z1, z2 of the short-run generator, a VAE or a GAN");
  cmd->add_option("--model,-m", o->model, "model file or run dir: an energy model, or a VAE/GAN of train --model vae|gan "
                                          "(default: the bundled model)");
  cmd->add_option("--seeds", o->seeds, "A,B: row r runs from chain (VAE/GAN: latent) r under seed A to r under seed B")->capture_default_str();
  cmd->add_option("--chains", o->chains, "I,J: one row from chain (VAE/GAN: latent) I to J under --seed (instead of --seeds)");
  cmd->add_option("--images", o->images, "A,B: endpoints are the z inferred by reconstructing images A and B "
                                          "(--recon-iters, --recon-lr); an EBM's keep their chains' noise");
  cmd->add_option("--recon-iters", o->rc.iters, "reconstruction iterations for --images")->capture_default_str();
  cmd->add_option("--recon-lr", o->rc.lr, "reconstruction learning rate for --images")->capture_default_str();
  cmd->add_option("--path", o->spec.path, "linear or spherical")->capture_default_str()->check(CLI::IsMember({"linear", "spherical"}));
  cmd->add_option("--noise-mode", o->spec.noise, "Langevin noise along the path: fixed (endpoint 1's), mixed, off")
      ->capture_default_str()->check(CLI::IsMember({"fixed", "mixed", "off"}));
  cmd->add_option("--cols", o->spec.points, "points along each path (ρ = 0 ... 1)")->capture_default_str()->check(CLI::Range(2, 1000));
  cmd->add_option("--rows", o->rows, "endpoint pairs")->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_option("--out", o->out, "PNG grid (rows: pairs, columns: ρ)")->capture_default_str();
  cmd->add_option("--npy", o->npy, "images as NPY [rows, cols, C, H, W]");
  cmd->add_option("--energy", o->energy, "CSV of f(M(z_ρ)): pair,rho,energy");
  o->sampler.add(*cmd);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  mark_ebm_only(*cmd, ebm_only_flags());
  cmd->footer("Model kinds: an energy model (EBM) interpolates z_0 of its short-run chain and runs K Langevin steps. "
              "A VAE or GAN (train --model vae|gan) interpolates z ~ N(0, I) of latent (seed, index), as generate draws "
              "image index, through its decoder/generator; it takes every flag but those marked [EBM only] (refused), "
              "and --seed only with --chains. --images: a VAE starts from its encoder's mean (--recon-iters 0: that alone), "
              "a GAN from z = 0 (--recon-iters > 0).");
  cmd->callback([o, cmd] {
    check_one_stdout_output({{"--out", o->out}, {"--npy", o->npy}, {"--energy", o->energy}});
    {
      std::vector<NamedPath> inputs{model_input("--model", o->model)};
      const size_t comma = o->images.find(',');
      inputs.push_back({"--images", o->images.substr(0, comma)});
      if (comma != std::string::npos) inputs.push_back({"--images", o->images.substr(comma + 1)});
      check_outputs({{"--out", o->out}, {"--npy", o->npy}, {"--energy", o->energy}}, inputs);
    }
    std::string path;
    if (const auto baseline = open_baseline_model(o->model, o->rt, &path)) return interpolate_baseline(*cmd, *o, *baseline, path);
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    EnergyModel* model = setup.model.get();
    const SamplerConfig& cfg = setup.sampler;
    const LangevinSampler sampler(*model, cfg);
    InterpolationResult res;
    if (!o->images.empty()) {
      // Reconstruct both images (as chains 0 and 1), then walk between the inferred z.
      const torch::Tensor chains = chain_range(0, 2, setup.device);
      const ReconstructResult r = Reconstructor(sampler, o->rc).run(endpoint_images(o->images, model->shape()).to(setup.device),
                                                                    torch::Tensor(), chains);
      std::cout << "reconstructed the endpoints: mse " << r.mse[0].item<double>() << ", " << r.mse[1].item<double>() << "\n";
      const NoiseFn noise = sampler.noise_of(chains);
      res = interpolate(sampler, r.z.narrow(0, 0, 1), r.z.narrow(0, 1, 1),
                        [&](int64_t k) { return noise(k).narrow(0, 0, 1); },
                        [&](int64_t k) { return noise(k).narrow(0, 1, 1); }, o->spec);
    } else {
      std::vector<Endpoint> e1, e2;
      if (!o->chains.empty()) {
        const auto ij = parse_int_pair("--chains", o->chains);
        e1.push_back({cfg.seed, ij[0]});
        e2.push_back({cfg.seed, ij[1]});
      } else {
        const auto ab = parse_int_pair("--seeds", o->seeds);
        for (int64_t r = 0; r < o->rows; ++r) {
          e1.push_back({static_cast<uint64_t>(ab[0]), r});
          e2.push_back({static_cast<uint64_t>(ab[1]), r});
        }
      }
      res = interpolate(sampler, e1, e2, o->spec);
    }
    const int64_t P = res.x.size(0), R = res.x.size(1);
    write_images(*o, res);
    const torch::Tensor e = res.energy.to(torch::kCPU, torch::kFloat64);
    if (!o->energy.empty()) {
      write_file_atomic(o->energy, [&](std::ostream& out) {
        out << "pair,rho,energy\n";
        for (int64_t p = 0; p < P; ++p)
          for (int64_t r = 0; r < R; ++r)
            out << p << "," << res.rho[r].item<double>() << "," << e[p][r].item<double>() << "\n";
      });
    }
    std::cout << "interpolated " << P << " pair(s) x " << R << " points (" << o->spec.path << " path, noise "
              << o->spec.noise << ", K=" << cfg.steps << ")";
    if (!o->out.empty()) std::cout << " -> " << o->out;
    std::cout << "\nmean energy along the path (rho: f):";
    const torch::Tensor mean = e.mean(0);
    for (int64_t r = 0; r < R; ++r) std::printf(" %.2f:%.3f", res.rho[r].item<double>(), mean[r].item<double>());
    std::cout << std::endl;
  });
}

}  // namespace shortrun::cli

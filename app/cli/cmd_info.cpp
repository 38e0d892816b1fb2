// `shortrun info`: what a model file is — architecture, data shape, sampler defaults, provenance.
#include <iostream>

#include "cli_common.h"
#include "shortrun/base/printable.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/base/runtime.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/sampling/parallel_plan.h"
#include "toy_model.h"

namespace shortrun::cli {

namespace {

// A VAE or GAN of `shortrun train --model vae|gan`: its card, never the energy model's refusal.
void describe_baseline(const std::string& path, bool as_json) {
  LoadedBaseline loaded = load_baseline_checkpoint(path, torch::kCPU);
  BaselineModel& m = *loaded.model;
  nlohmann::json j = m.card();
  j["file"] = path;
  j["parameters"] = m.parameter_count();
  if (as_json) {
    std::cout << json_text(j) << "\n";
    return;
  }
  const BaselineSpec& s = m.spec();
  std::cout << "file:         " << path << "\n"
            << "source:       " << m.kind_name() << " baseline (shortrun train --model " << s.kind << ")\n"
            << "architecture: " << s.summary() << (m.is_vae() ? " (encoder + DCGAN decoder)" : " (DCGAN generator + discriminator)")
            << "\n"
            << "parameters:   " << m.parameter_count() << " (both nets)\n"
            << "data:         " << s.channels << "x" << s.image_size << "x" << s.image_size << " (CxHxW), values in [-1, 1]\n"
            << "latent:       z ~ N(0, I), " << s.latent << " dimensions\n"
            << "use it:       shortrun generate --model " << path << " --out samples.png; shortrun compare-models EBM "
            << path << "\n"
            << "provenance:   " << json_text(m.provenance(), 2) << "\n";
}

}  // namespace

void add_info_command(CLI::App& app) {
  struct Options {
    std::string model;
    bool json = false;
    int threads = 0;
    ModelOptions mo;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("info", "Describe a model: architecture, data shape, sampler defaults, provenance");
  cmd->add_option("--model,-m", opt->model, "checkpoint (.safetensors), state_dict (.pth), run dir or TorchScript program (.pt, see --trust-code); default: bundled");
  cmd->add_flag("--json", opt->json, "print the model card as one JSON object");
  add_model_options(*cmd, opt->mo);
  cmd->add_option("--threads", opt->threads, "CPU threads the `cpu threads:` line plans for (0: one per core)")
      ->check(CLI::Range(0, max_threads()));
  cmd->add_option_function<std::string>(
         "--parallel", [](const std::string& s) { set_parallel_mode(parse_parallel_mode(s)); },
         "the --parallel the `cpu threads:` line plans for: chains, ops or auto (default)")
      ->check(CLI::IsMember({"auto", "chains", "ops"}));
  cmd->callback([opt] {
    ModelLoadOptions load = load_options(opt->mo);
    // Describing a file runs none of its code: a TorchScript module's input shape comes from its
    // model card or --input-shape, never from a trial forward (unless its author is trusted).
    load.run_forward = load.trust_code;
    const std::string path = resolve_model_path(opt->model);
    if (is_toy_model_file(path)) {
      // A 2-D playground model: points, not images.
      ToyModelFile f;
      load_toy_model(path, &f);
      if (opt->json) {
        std::cout << json_text(toy_model_json(f)) << "\n";
        return;
      }
      std::cout << "file:         " << path << "\n"
                << "source:       2-D playground model (shortrun train --data toy:..., or the explorer's 2-D tab)\n"
                << "architecture: MLP 2-" << f.config.hidden << "-" << f.config.hidden << "-1, " << f.config.activation << "\n"
                << "parameters:   " << f.parameters << "\n"
                << "target:       " << f.config.target << " (seed " << f.config.seed << ")\n"
                << "trained:      " << f.iteration << " iterations\n"
                << "sampler:      K=" << f.settings.steps << " step_size=" << f.settings.step_size
                << " noise_std=" << f.settings.noise_std << "\n"
                << "sample it:    shortrun sample --model " << path << " --out points.png (writes points.npy too)\n";
      return;
    }
    if (is_baseline_file(path)) {
      describe_baseline(path, opt->json);
      return;
    }
    auto model = load_energy_model(path, torch::kCPU, load);
    const ModelCard& card = model->card();
    nlohmann::json j = card;
    j["file"] = path;
    j["parameters"] = model->parameter_count();
    if (opt->json) {
      std::cout << json_text(j) << "\n";
      return;
    }
    std::cout << "file:         " << path << "\n"
              << "source:       " << card.source << "\n"
              << "architecture: " << (card.arch ? card.arch->summary() : std::string("TorchScript module (opaque)")) << "\n"
              << "parameters:   " << model->parameter_count() << "\n"
              << "data:         " << card.shape.str() << " (CxHxW), values in [" << card.value_min << ", " << card.value_max << "]\n"
              << "sampler:      K=" << card.sampler.steps << " step_size=" << card.sampler.step_size
              << " noise_std=" << card.sampler.noise_std << " init=" << card.sampler.init
              << (card.sampler.clamp ? " clamp" : "") << "\n";
    // How `sample`/`eval`/`generate` (and the explorer) would use the CPU's threads for this model.
    const int threads = set_threads(opt->threads);
    const ModelCost cost = model_cost(*model);
    for (const int64_t chains : {int64_t(64), int64_t(1024)})
      std::cout << (chains == 64 ? "cpu threads:  " : "              ") << chains << " chains: "
                << plan_parallel(parallel_mode(), cost, chains, card.sampler.chunk, threads).why << "\n";
    std::cout << "provenance:   " << json_text(card.provenance, 2) << "\n";
  });
}

}  // namespace shortrun::cli

// `shortrun info`: what a model file is — architecture, data shape, sampler defaults, provenance.
#include <iostream>

#include "cli_common.h"
#include "shortrun/printable.h"

namespace shortrun::cli {

void add_info_command(CLI::App& app) {
  struct Options {
    std::string model;
    bool json = false;
    ModelOptions mo;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("info", "Describe a model: architecture, data shape, sampler defaults, provenance");
  cmd->add_option("--model,-m", opt->model, "checkpoint (.safetensors), state_dict (.pth), run dir or TorchScript program (.pt, see --trust-code); default: bundled");
  cmd->add_flag("--json", opt->json, "print the model card as one JSON object");
  add_model_options(*cmd, opt->mo);
  cmd->callback([opt] {
    ModelLoadOptions load = load_options(opt->mo);
    // Describing a file runs none of its code: a TorchScript module's input shape comes from its
    // model card or --input-shape, never from a trial forward (unless its author is trusted).
    load.run_forward = load.trust_code;
    const std::string path = resolve_model_path(opt->model);
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
              << (card.sampler.clamp ? " clamp" : "") << "\n"
              << "provenance:   " << json_text(card.provenance, 2) << "\n";
  });
}

}  // namespace shortrun::cli

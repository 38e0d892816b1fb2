// VAE/GAN models in interpolate and reconstruct: opening them, and the flags they refuse
// (baseline_options.h).
#include "baseline_options.h"

#include "shortrun/base/printable.h"
#include "shortrun/baselines/baseline_checkpoint.h"

namespace shortrun::cli {

const std::vector<std::string>& chain_only_flags() {
  static const std::vector<std::string> flags = {"--steps",   "--step-size",     "--noise", "--init-dist", "--chunk",
                                                 "--precision", "--no-cuda-graph", "--mala", "--temperature", "--clamp",
                                                 "--no-clamp", "--trust-code",    "--input-shape"};
  return flags;
}

void mark_ebm_only(CLI::App& cmd, const std::vector<std::string>& flags) {
  for (const std::string& name : flags) {
    CLI::Option* opt = nullptr;
    try {
      opt = cmd.get_option(name);
    } catch (const CLI::OptionNotFound&) {
      continue;
    }
    opt->description("[EBM only] " + opt->get_description());
  }
}

std::unique_ptr<BaselineGenerator> open_baseline_model(const std::string& model, const RuntimeOptions& rt, std::string* path) {
  *path = resolve_model_path(model);
  if (!is_baseline_file(*path)) return nullptr;
  const torch::Device device = apply_runtime(rt);
  return std::make_unique<BaselineGenerator>(load_baseline_checkpoint(*path, device).model);
}

void refuse_ebm_only_flags(const CLI::App& cmd, const std::vector<std::string>& flags, const std::string& path,
                           BaselineGenerator& generator) {
  refuse_ebm_only_flags(cmd, flags, path, [&generator] { return generator.model().kind_name(); });
}

void refuse_ebm_only_flags(const CLI::App& cmd, const std::vector<std::string>& flags, const std::string& path,
                           const std::function<std::string()>& kind_name) {
  for (const std::string& name : flags) {
    const CLI::Option* opt = nullptr;
    try {
      opt = cmd.get_option(name);
    } catch (const CLI::OptionNotFound&) {
      continue;
    }
    if (opt->count() > 0)
      throw CLI::ValidationError(name, printable(path) + " holds a " + kind_name() + " baseline, not an energy model; " +
                                           name + " applies to an energy model only");
  }
}

void require_gan_iterations(BaselineGenerator& generator, int64_t iters, const std::string& option, const std::string& path) {
  if (iters == 0 && !generator.has_encoder())
    throw CLI::ValidationError(option, printable(path) + " holds a GAN, which has no encoder: its reconstruction needs " + option +
                                           " > 0 (gradient steps on z)");
}

uint64_t baseline_seed(const SamplerOverrides& overrides) {
  SamplerConfig defaults;
  defaults.seed = 1;
  return overrides.apply(defaults).seed;
}

}  // namespace shortrun::cli

// The VAE/GAN side of commands first written for an energy model (interpolate, reconstruct):
// whether --model names a baseline of `train --model vae|gan`, opening it through the generators
// wing, marking in --help which flags only an energy model takes, and refusing those flags with
// a baseline in one line that names the flag and the file (a usage error, exit 2).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_common.h"
#include "shortrun/generators/baseline_generator.h"

namespace shortrun::cli {

// The sampler flags of SamplerOverrides other than --seed, and --trust-code/--input-shape: a
// VAE or GAN has no Langevin chain and is never TorchScript.
const std::vector<std::string>& chain_only_flags();

// Prefixes "[EBM only] " to the --help text of each of `flags` that `cmd` has.
void mark_ebm_only(CLI::App& cmd, const std::vector<std::string>& flags);

// The VAE or GAN that --model names, on the runtime's device (threads and device set), and its
// file in *path; nullptr when the file is not a baseline (an energy model, or a path the energy
// model's loader then explains).
std::unique_ptr<BaselineGenerator> open_baseline_model(const std::string& model, const RuntimeOptions& rt, std::string* path);

// Throws CLI::ValidationError for the first of `flags` given on `cmd`:
// "--flag: FILE holds a VAE baseline, not an energy model; --flag applies to an energy model only".
void refuse_ebm_only_flags(const CLI::App& cmd, const std::vector<std::string>& flags, const std::string& path,
                           BaselineGenerator& generator);
// The same without a generator at hand: kind_name() ("VAE", "GAN") is called only when a flag
// is refused, so a caller may read the file for it then.
void refuse_ebm_only_flags(const CLI::App& cmd, const std::vector<std::string>& flags, const std::string& path,
                           const std::function<std::string()>& kind_name);

// A GAN has no encoder: gradient steps on z are its only way to reconstruct. Throws
// CLI::ValidationError naming `option` and the file when iters is 0 for one.
void require_gan_iterations(BaselineGenerator& generator, int64_t iters, const std::string& option, const std::string& path);

// --seed as given (SamplerOverrides), else the baselines' default 1 (as `generate`).
uint64_t baseline_seed(const SamplerOverrides& overrides);

}  // namespace shortrun::cli

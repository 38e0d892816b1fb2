// The commands of the VAE/GAN baselines (issue 26), registered by main.cpp: `generate` (images
// from a baseline) and `compare-models` (Table 1 for any mix of EBMs, VAEs and GANs).
#pragma once
#include <CLI/CLI.hpp>

namespace shortrun::cli {
void add_generate_command(CLI::App& app);
void add_compare_models_command(CLI::App& app);
}  // namespace shortrun::cli

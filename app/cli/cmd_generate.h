// `shortrun generate`: images from a VAE or GAN baseline (issue 26); registered by main.cpp.
#pragma once
#include <CLI/CLI.hpp>

namespace shortrun::cli {
void add_generate_command(CLI::App& app);
}  // namespace shortrun::cli

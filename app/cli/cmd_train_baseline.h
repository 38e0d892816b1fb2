// `shortrun train --model vae|gan`: the generator baselines of the paper's Table 1, trained into
// the same kind of run directory as the EBM. cmd_train.cpp declares the options and hands over here.
#pragma once
#include <string>

#include <CLI/CLI.hpp>

#include "cli_common.h"

namespace shortrun::cli {

// The options only the baselines take (--latent, --vae-sigma, --watch-d-loss).
struct BaselineTrainOptions {
  int64_t latent = 100;
  double vae_sigma = 0.2, watch_d_loss = 1e-3;
};
void add_baseline_train_options(CLI::App& cmd, BaselineTrainOptions& o);

// Runs a VAE/GAN training when --model says so or --resume names a baseline run, and returns
// true; returns false for an EBM run (after refusing baseline-only options given with it).
// Every other option is read from `cmd` by name (given or not), so the EBM's flags serve both.
bool run_baseline_training_if_asked(const CLI::App& cmd, const std::string& model, const std::string& out,
                                    const std::string& resume, const BaselineTrainOptions& b, const RuntimeOptions& rt);

}  // namespace shortrun::cli

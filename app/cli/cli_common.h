// Shared pieces of the `shortrun` subcommands: model lookup, device/threads, printing.
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "shortrun/energy_model.h"

namespace shortrun::cli {

// Options every model-using command takes.
struct RuntimeOptions {
  std::string device = "auto";
  int threads = 0;  // 0: one per core
};
void add_runtime_options(CLI::App& cmd, RuntimeOptions& o);
torch::Device apply_runtime(const RuntimeOptions& o);  // sets threads, returns the device

// The bundled model (assets/fmnist.safetensors), looked up next to the executable, in the
// install prefix and in the source tree.
std::string default_model_path();
// A model path as given, a run directory (its model.safetensors or checkpoint), or the bundled one.
std::string resolve_model_path(const std::string& given);
std::unique_ptr<EnergyModel> open_model(const std::string& given, torch::Device device);

// Subcommand registration (one file each).
void add_info_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_train_command(CLI::App& app);

}  // namespace shortrun::cli

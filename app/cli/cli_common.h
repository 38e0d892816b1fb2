// Shared pieces of the `shortrun` subcommands: model lookup, device/threads, printing.
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "shortrun/io/file_util.h"
#include "shortrun/io/model_paths.h"
#include "shortrun/model/energy_model.h"

namespace shortrun::cli {

// Options every model-using command takes.
struct RuntimeOptions {
  std::string device = "auto";
  int threads = 0;  // 0: one per core
};
void add_runtime_options(CLI::App& cmd, RuntimeOptions& o);
torch::Device apply_runtime(const RuntimeOptions& o);  // sets threads, returns the device

// --trust-code and --input-shape: how a command treats a TorchScript model (a program, not just
// weights). Every command that loads a model or a feature net takes them.
struct ModelOptions {
  bool trust_code = false;
  std::string input_shape;  // "C,H,W"; empty: the module's model card, else probed
};
void add_model_options(CLI::App& cmd, ModelOptions& o);
ModelLoadOptions load_options(const ModelOptions& o);

// --steps/--step-size/--noise/--seed/--init-dist/--chunk/--precision/--clamp: overrides of the sampler
// defaults a model carries; only options given on the command line change anything.
// suffix (e.g. "-b"): the same flags for a second sampler (--steps-b ...), without --seed and
// --init-dist (shared). with_steps = false leaves --steps and --step-size to the command.
class SamplerOverrides {
 public:
  void add(CLI::App& cmd, const std::string& suffix = "", bool with_steps = true);
  SamplerConfig apply(SamplerConfig base) const;
  bool chunk_given() const;

 private:
  SamplerConfig values_;
  bool clamp_ = false, no_clamp_ = false, mala_ = false;
  CLI::Option* temperature_ = nullptr;
  std::vector<CLI::Option*> given_;  // steps, step_size, noise, seed, init, chunk, precision
};

// What every sampling command starts with: threads and device set, the model loaded with
// its weights frozen, and the sampler settings (the model's defaults plus overrides).
// weights: "raw" (the file named), "auto" (its EMA weights X.ema.safetensors when present) or
// "ema" (those, or an error): model/weights_choice.h. `sample` and `eval` offer the choice.
struct SamplingSetup {
  torch::Device device = torch::kCPU;
  std::unique_ptr<EnergyModel> model;
  SamplerConfig sampler;
  std::string model_path;  // the file loaded
  bool ema = false;        // whether it holds EMA weights
};
SamplingSetup open_for_sampling(const std::string& model, const RuntimeOptions& rt, const ModelOptions& mo,
                                const SamplerOverrides& overrides, const std::string& weights = "raw");
// --weights raw|ema (default: EMA when present), into `which` ("auto" unless given).
void add_weights_option(CLI::App& cmd, std::string& which);
// The line saying which weights a command uses, on stderr, when they are EMA weights.
void report_weights(const SamplingSetup& s, const char* command);

std::unique_ptr<EnergyModel> open_model(const std::string& given, torch::Device device, const ModelLoadOptions& options);

// The bundled evaluation feature net (assets/fmnist_features.safetensors); throws if missing.
std::string default_features();

// Thrown by a command whose outcome is an exit status other than 0 and 1 (eval --check: 1 does
// not reproduce, 2 bad input) after it printed what it has to say; main returns `code`.
struct ExitStatus {
  int code;
};

// Subcommand registration (one file each).
void add_info_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_interpolate_command(CLI::App& app);
void add_reconstruct_command(CLI::App& app);
void add_eval_recon_command(CLI::App& app);
void add_train_features_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_tune_sampler_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_score_command(CLI::App& app);

// Checks on the option's text, before CLI11 converts it (which wraps -1 to 2^64-1, saturates
// 2^64 and reads 1e23 as a number): a seed is 0 .. 2^64-1 in decimal digits; a count is a
// non-negative whole number that fits int64.
CLI::Validator seed_check();
CLI::Validator count_check();

// Refuses (one line, exit 1) an output that is the same file as one of the command's inputs
// (device and inode: symlinks and hard links included), or two outputs that are one file, before
// any work is done. Empty paths are skipped.
void check_outputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);
// The file a --model value loads (a run directory's model, the bundled one for ""), as an input;
// the value itself when it does not resolve (the loader then says why).
NamedPath model_input(const std::string& option, const std::string& given);
// The file of an "idx:PATH" data spec as an input; an empty path for the others (directories).
NamedPath data_input(const std::string& spec);

// Refuses (usage error) two outputs that both go to "-" (standard output).
void check_one_stdout_output(const std::vector<std::pair<std::string, std::string>>& option_paths);

// "3,7" -> {3, 7}; throws CLI::ValidationError naming the option otherwise.
std::vector<int64_t> parse_int_pair(const std::string& option, const std::string& text);

}  // namespace shortrun::cli

// Model lookup, runtime options.
#include "cli_common.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "shortrun/base/error.h"
#include "shortrun/base/runtime.h"
#include "shortrun/io/file_util.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/model/weights_choice.h"
#include "shortrun/sampling/parallel_plan.h"

namespace shortrun::cli {
namespace fs = std::filesystem;

namespace {
// A whole number written with digits only: no sign, no exponent, no blanks.
bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }
}  // namespace

CLI::Validator seed_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        const std::string want = "expected a seed from 0 to 18446744073709551615 (digits only), got '" + s + "'";
        if (!all_digits(s)) return want;
        errno = 0;
        std::strtoull(s.c_str(), nullptr, 10);
        return errno == ERANGE ? want : "";
      },
      "SEED");
}

CLI::Validator count_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        const std::string want = "expected a whole number from 0 to 9223372036854775807, got '" + s + "'";
        if (!all_digits(s)) return want;
        errno = 0;
        std::strtoll(s.c_str(), nullptr, 10);
        return errno == ERANGE ? want : "";
      },
      "N");
}

void check_outputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  check_outputs_apart(outputs, inputs);
}

NamedPath model_input(const std::string& option, const std::string& given) {
  try {
    return {option, resolve_model_path(given)};
  } catch (const std::exception&) {
    return {option, given};
  }
}

NamedPath data_input(const std::string& spec) {
  return {"--data", spec.rfind("idx:", 0) == 0 ? spec.substr(4) : std::string()};
}

void check_one_stdout_output(const std::vector<std::pair<std::string, std::string>>& option_paths) {
  std::string first;
  for (const auto& [option, path] : option_paths) {
    if (path != "-") continue;
    if (!first.empty()) throw CLI::ValidationError(option, "only one output can go to '-' (stdout); " + first + " already does");
    first = option;
  }
}

void add_runtime_options(CLI::App& cmd, RuntimeOptions& o) {
  cmd.add_option("--device", o.device, "cpu, cuda or auto (CUDA when available)")->capture_default_str();
  const int cap = max_threads();
  cmd.add_option("--threads", o.threads, "intra-op CPU threads (0: one per core; at most 4 per core)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [cap](std::string& s) -> std::string {
            const std::string want = "expected 0 (one per core) to " + std::to_string(cap) + " (4 x " +
                                     std::to_string(cap / 4) + " cores), got '" + s + "'";
            if (!all_digits(s) || s.size() > 9) return want;
            return std::stoi(s) > cap ? want : "";
          },
          "N"));
  // Process-wide like the thread count, so it is set as soon as it is parsed.
  cmd.add_option_function<std::string>(
         "--parallel", [](const std::string& s) { set_parallel_mode(parse_parallel_mode(s)); },
         "how CPU threads share a step: chains (whole chunks of --chunk chains per thread, single-threaded ops), "
         "ops (every op split across the threads) or auto (from the model's per-layer cost; the default). "
         "Chain i's result is identical whichever")
      ->check(CLI::IsMember({"auto", "chains", "ops"}));
}

torch::Device apply_runtime(const RuntimeOptions& o) {
  set_threads(o.threads);
  return parse_device(o.device);
}

void add_model_options(CLI::App& cmd, ModelOptions& o) {
  cmd.add_flag("--trust-code", o.trust_code,
               "accept a TorchScript .pt whatever operators it uses. RISK: a .pt file is a program; with this flag "
               "its code runs with your rights and can read, write or delete your files. Without it only pure "
               "tensor operators (conv, linear, activations, norms, pools, arithmetic, reshapes) are accepted. "
               "Use it only for files whose author you trust");
  cmd.add_option("--input-shape", o.input_shape,
                 "C,H,W input of a TorchScript model (default: its model_card.json, else found by running forward; "
                 "`info` never runs it)");
}

ModelLoadOptions load_options(const ModelOptions& o) {
  ModelLoadOptions l;
  l.trust_code = o.trust_code;
  if (!o.input_shape.empty()) {
    try {
      l.input_shape = parse_data_shape(o.input_shape, "value");
    } catch (const Error& e) {
      throw CLI::ValidationError("--input-shape", e.what());
    }
  }
  return l;
}

void SamplerOverrides::add(CLI::App& cmd, const std::string& suffix, bool with_steps) {
  const std::string sx = suffix;
  const std::string whose = suffix.empty() ? "" : " (side " + suffix.substr(suffix.find_first_not_of('-')) + ")";
  const bool shared = suffix.empty();  // seed and init are shared between the sides of a comparison
  given_ = {
      with_steps ? cmd.add_option("--steps" + sx, values_.steps, "Langevin steps K (default: the model's)" + whose)->check(CLI::Range(0, 100000)) : nullptr,
      with_steps ? cmd.add_option("--step-size" + sx, values_.step_size, "step size (default: the model's)" + whose)->check(CLI::NonNegativeNumber) : nullptr,
      cmd.add_option("--noise" + sx, values_.noise_std, "noise std (default: the model's)" + whose)->check(CLI::NonNegativeNumber),
      shared ? cmd.add_option("--seed", values_.seed, "noise seed (chain i's z and u_k depend only on seed and i)")->check(seed_check()) : nullptr,
      shared ? cmd.add_option("--init-dist", values_.init, "z distribution: uniform or gaussian (default: the model's)")
                   ->check(CLI::IsMember({"uniform", "gaussian"})) : nullptr,
      cmd.add_option("--chunk" + sx, values_.chunk, "chains per network evaluation (chain i is identical for any number "
                                                    "of chains at the same chunk; 0: one batch; default: the model's on the CPU, 0 on CUDA)" + whose)->check(CLI::Range(0, 65536)),
      cmd.add_option("--precision" + sx, values_.precision,
                     "exact (float32, deterministic), tf32 (CUDA) or bf16 (bf16 autocast; CPU only with AVX512-BF16/AMX)" + whose)
          ->check(CLI::IsMember({"exact", "tf32", "bf16"})),
  };
  cmd.add_flag("!--no-cuda-graph" + sx, values_.cuda_graph, "CUDA: run each step eagerly instead of replaying a captured graph" + whose);
  cmd.add_flag("--mala" + sx, mala_, "Metropolis-adjusted Langevin: accept/reject each step under exp(f/T) "
                                     "(the paper's generator is the unadjusted chain, the default)" + whose);
  temperature_ = cmd.add_option("--temperature" + sx, values_.temperature, "MALA's T in exp(f/T)" + whose)->check(CLI::PositiveNumber);
  cmd.add_flag("--clamp" + sx, clamp_, "clamp x to [-1,1] after every step" + whose);
  cmd.add_flag("--no-clamp" + sx, no_clamp_, "do not clamp, even if the model's defaults do" + whose)->excludes("--clamp" + sx);
}

SamplerConfig SamplerOverrides::apply(SamplerConfig c) const {
  const auto given = [this](size_t i) { return i < given_.size() && given_[i] && given_[i]->count() > 0; };  // none before add()
  if (given(0)) c.steps = values_.steps;
  if (given(1)) c.step_size = values_.step_size;
  if (given(2)) c.noise_std = values_.noise_std;
  if (given(3)) c.seed = values_.seed;
  if (given(4)) c.init = values_.init;
  if (given(5)) c.chunk = values_.chunk;
  if (given(6)) c.precision = values_.precision;
  c.cuda_graph = values_.cuda_graph;
  if (mala_) c.mala = true;
  if (temperature_ && temperature_->count()) c.temperature = values_.temperature;
  if (clamp_) c.clamp = true;
  if (no_clamp_) c.clamp = false;
  c.validate();
  return c;
}

bool SamplerOverrides::chunk_given() const { return given_.size() > 5 && given_[5] && given_[5]->count() > 0; }

std::vector<int64_t> parse_int_pair(const std::string& option, const std::string& text) {
  const auto comma = text.find(',');
  try {
    if (comma != std::string::npos) {
      size_t used1 = 0, used2 = 0;
      const std::string a = text.substr(0, comma), b = text.substr(comma + 1);
      const int64_t x = std::stoll(a, &used1), y = std::stoll(b, &used2);
      if (used1 == a.size() && used2 == b.size() && x >= 0 && y >= 0) return {x, y};
    }
  } catch (const std::exception&) {
  }
  throw CLI::ValidationError(option, "expected two non-negative integers as A,B, got '" + text + "'");
}

std::string default_features() {
  const std::string p = find_asset("fmnist_features.safetensors");
  if (p.empty()) throw Error("no --features given and the bundled assets/fmnist_features.safetensors was not found");
  return p;
}

std::unique_ptr<EnergyModel> open_model(const std::string& given, torch::Device device, const ModelLoadOptions& options) {
  return load_energy_model(resolve_model_path(given), device, options);
}

SamplingSetup open_for_sampling(const std::string& model, const RuntimeOptions& rt, const ModelOptions& mo,
                                const SamplerOverrides& overrides, const std::string& weights) {
  SamplingSetup s;
  const ModelLoadOptions load = load_options(mo);  // usage errors before any work
  const WeightsChoice chosen = choose_weights(resolve_model_path(model), weights);
  s.model_path = chosen.path;
  s.ema = chosen.ema;
  s.device = apply_runtime(rt);
  s.model = load_energy_model(chosen.path, s.device, load);
  s.model->set_weights_trainable(false);
  s.model->train(false);
  s.sampler = overrides.apply(s.model->card().sampler);
  // A GPU is filled by one batch: the card's chunks (16 chains: chain i bit-identical for any n,
  // and the CPU's --parallel chains) would run one after another on it, 4x slower at 1,024
  // chains on an H200 (BENCHMARKS.md, "First GPU run"). --chunk still asks for them.
  if (s.device.is_cuda() && !overrides.chunk_given()) s.sampler.chunk = 0;
  return s;
}

void add_weights_option(CLI::App& cmd, std::string& which) {
  which = "auto";
  cmd.add_option("--weights", which, "raw | ema: the checkpoint's own weights or the EMA weights saved beside it by "
                                     "train --ema (X.ema.safetensors; default: EMA when present)")
      ->check(CLI::IsMember({"raw", "ema"}));
}

void report_weights(const SamplingSetup& s, const char* command) {
  if (s.ema)
    std::fprintf(stderr, "%s: using the EMA weights %s (--weights raw for the raw ones)\n", command, printable(s.model_path).c_str());
}

}  // namespace shortrun::cli

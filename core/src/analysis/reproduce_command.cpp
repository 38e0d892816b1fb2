// Command lines that reproduce the sample / long-run and sweep views (reproduce_command.h).
#include "shortrun/analysis/reproduce_command.h"

#include "shortrun/analysis/view_common.h"

namespace shortrun {

std::string runtime_flags(const std::string& device, int threads, bool trust_code, const std::string& input_shape) {
  std::string s;
  if (device != "auto") s += " --device " + shell_quote(device);
  if (threads != 0) s += " --threads " + std::to_string(threads);
  if (trust_code) s += " --trust-code";
  if (!input_shape.empty()) s += " --input-shape " + shell_quote(input_shape);
  return s;
}

std::string sample_command(const SampleCommand& o) {
  const SamplerConfig& cfg = o.sampler;
  std::string c = "shortrun sample --model " + shell_quote(o.model) + " --n " + std::to_string(o.n) + " " +
                  sampler_flags(cfg);
  if (!cfg.cuda_graph) c += " --no-cuda-graph";
  if (cfg.chunk == 0) c += " --batch-chains " + std::to_string(o.batch_chains);
  if (!o.init.empty()) c += " --init " + shell_quote(o.init);
  if (o.continue_to > 0) c += " --continue-to " + std::to_string(o.continue_to);
  if (o.cols > 0) c += " --cols " + std::to_string(o.cols);
  c += " --out " + shell_quote(o.out);
  if (!o.npy.empty()) c += " --npy " + shell_quote(o.npy);
  if (!o.trajectory.empty()) c += " --trajectory " + shell_quote(o.trajectory) + " --every " + std::to_string(o.every);
  if (!o.json.empty()) c += " --json " + shell_quote(o.json);
  return c + o.runtime;
}

std::string sweep_command(const SweepCommand& o) {
  const ContactSheetConfig& sheet = o.sheet;
  const auto join = [](const auto& values, const auto& fmt) {
    std::string s;
    for (const auto& v : values) s += (s.empty() ? "" : ",") + fmt(v);
    return s;
  };
  // Every sampler flag but --steps/--step-size, which are lists here.
  std::string flags = sampler_flags(sheet.sampler);
  flags = flags.substr(flags.find(" --noise ") + 1);
  std::string command = "shortrun sweep --model " + shell_quote(o.model) + " --steps " +
                        join(sheet.steps, [](int64_t k) { return std::to_string(k); }) + " --step-sizes " +
                        join(sheet.step_sizes, [](double h) { return format_number(h); }) + " --chain " +
                        std::to_string(sheet.chain) + " " + flags;
  if (sheet.fd_n > 0) {
    command += " --fd " + std::to_string(sheet.fd_n) + " --data " + shell_quote(o.data);
    if (!o.features.empty()) command += " --features " + shell_quote(o.features);
  }
  command += " --out " + shell_quote(o.out);
  if (!o.json.empty()) command += " --json " + shell_quote(o.json);
  return command + o.runtime;
}

}  // namespace shortrun

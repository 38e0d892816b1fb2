// Model lookup, runtime options.
#include "cli_common.h"

#include <unistd.h>

#include <filesystem>

#include "shortrun/error.h"
#include "shortrun/file_util.h"
#include "shortrun/runtime.h"

namespace shortrun::cli {
namespace fs = std::filesystem;

void add_runtime_options(CLI::App& cmd, RuntimeOptions& o) {
  cmd.add_option("--device", o.device, "cpu, cuda or auto (CUDA when available)")->capture_default_str();
  cmd.add_option("--threads", o.threads, "intra-op CPU threads (0: one per core)")->capture_default_str();
}

torch::Device apply_runtime(const RuntimeOptions& o) {
  set_threads(o.threads);
  return parse_device(o.device);
}

std::string default_model_path() {
  const std::string name = "fmnist.safetensors";
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "assets" / name);
    candidates.push_back(exe.parent_path().parent_path() / "assets" / name);
    candidates.push_back(exe.parent_path().parent_path() / "share" / "shortrun" / "assets" / name);
  }
#ifdef SHORTRUN_SOURCE_ASSETS_DIR
  candidates.push_back(fs::path(SHORTRUN_SOURCE_ASSETS_DIR) / name);
#endif
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c.string();
  throw Error("the bundled model (assets/" + name + ") was not found next to the executable or in the source tree; pass --model FILE");
}

std::string resolve_model_path(const std::string& given) {
  if (given.empty()) return default_model_path();
  std::error_code ec;
  if (fs::is_directory(given, ec)) {
    for (const char* rel : {"/model.safetensors", "/checkpoints/latest.safetensors"})
      if (file_exists(given + rel)) return given + rel;
    throw file_error(given, "is a directory without model.safetensors or checkpoints/latest.safetensors");
  }
  return given;
}

std::unique_ptr<EnergyModel> open_model(const std::string& given, torch::Device device) {
  return load_energy_model(resolve_model_path(given), device);
}

}  // namespace shortrun::cli

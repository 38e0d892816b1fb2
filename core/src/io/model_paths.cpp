// Model path resolution shared by the CLI and the explorer.
#include "shortrun/io/model_paths.h"

#include <filesystem>
#include <vector>

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

namespace shortrun {

namespace fs = std::filesystem;

std::string find_asset(const std::string& name) {
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
  return "";
}

std::string default_model_path() {
  const std::string name = "fmnist.safetensors";
  const std::string path = find_asset(name);
  if (path.empty())
    throw Error("the bundled model (assets/" + name + ") was not found next to the executable or in the source tree; pass --model FILE");
  return path;
}

std::vector<std::string> bundled_comparison_models() {
  std::vector<std::string> paths;
  for (const char* name : {"fmnist.safetensors", "fmnist_vae.safetensors", "fmnist_gan.safetensors"}) {
    paths.push_back(find_asset(name));
    if (paths.back().empty())
      throw Error(std::string("the bundled model assets/") + name +
                  " was not found next to the executable, in the install prefix or in the source tree; name the models to compare");
  }
  return paths;
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

}  // namespace shortrun

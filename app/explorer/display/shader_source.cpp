// Shader lookup: files first (so a user can edit a colormap without rebuilding), then embedded.
#include "display/shader_source.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "shortrun/base/error.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

std::string executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

ShaderText shader_source(const std::string& name) {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("SHORTRUN_SHADER_DIR")) dirs.emplace_back(env);
  const fs::path exe_dir = executable_dir();
  dirs.push_back(exe_dir / "shaders");
  dirs.push_back(exe_dir / ".." / "share" / "shortrun" / "shaders");
  for (const fs::path& d : dirs) {
    std::ifstream in(d / name);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    return {text.str(), (d / name).lexically_normal().string()};
  }
  if (const char* text = embedded_shader(name)) return {text, "embedded"};
  throw Error("shader " + name + " not found (looked in shaders/ next to the executable and the embedded set)");
}

}  // namespace shortrun::explorer

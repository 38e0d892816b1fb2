// check_new_run_directory: a new run goes into a new, empty or run directory only.
#include "shortrun/io/run_directory.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/base/error.h"

namespace shortrun {
namespace fs = std::filesystem;
namespace {

// The JSON object in a small file, or null (missing, unreadable, too large, not an object).
nlohmann::json small_json_object(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > (1u << 20) || ec) return nullptr;
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? j : nlohmann::json();
}

// An energy model's run (its net and sampler) or a VAE/GAN baseline's (its kind and nets).
bool is_image_run(const std::string& dir) {
  const nlohmann::json j = small_json_object(dir + "/config.json");
  if (!j.is_object()) return false;
  if (j.contains("arch") && j.contains("sampler")) return true;
  return j.contains("baseline") && j.contains("model") && j["model"].is_string();
}

bool is_toy_run(const std::string& dir) { return small_json_object(dir + "/settings.json").is_object(); }

bool empty_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(p, ec)) && fs::is_empty(p, ec) && !ec;
}

}  // namespace

void check_new_run_directory(const std::string& dir, RunKind kind) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) return;  // created by the trainer
  if (!fs::is_directory(st)) throw file_error(dir, "exists and is not a directory; --out names the run directory to create");
  std::vector<std::string> foreign;
  size_t count = 0;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw file_error(dir, "cannot list the directory (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == ".lock") continue;
    if ((name == "samples" || name == "checkpoints") && empty_dir(it->path())) continue;
    ++count;
    if (foreign.size() < 3) foreign.push_back(name);
    if (count > 3) break;
  }
  if (ec) throw file_error(dir, "cannot list the directory (" + ec.message() + ")");
  if (count == 0) return;
  if (kind == RunKind::kImage ? is_image_run(dir) : (is_toy_run(dir) || is_image_run(dir))) return;
  if (kind == RunKind::kImage && is_toy_run(dir))
    throw file_error(dir, "holds a 2-D playground run (settings.json); choose another --out for an image run");
  std::string names;
  for (const std::string& n : foreign) names += (names.empty() ? "" : ", ") + n;
  if (count > foreign.size()) names += ", ...";
  throw file_error(dir, "is not empty and is not a run directory (it holds " + names +
                            "); a new run needs a new or empty directory, so nothing was written: choose another --out");
}

}  // namespace shortrun

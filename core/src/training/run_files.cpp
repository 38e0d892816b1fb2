// A training run directory's lock, config.json, metrics.jsonl and checkpoint generations, shared by
// the EBM and the VAE/GAN trainers (run_files.h).
#include "shortrun/training/run_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/run_directory.h"
#include "shortrun/model/weights_choice.h"

namespace shortrun {
namespace fs = std::filesystem;

RunFiles::RunFiles(std::string dir, bool writer) : dir_(std::move(dir)), writer_(writer) {}

std::string RunFiles::generation(int g) const {
  return g == 0 ? dir_ + "/checkpoints/latest.safetensors" : dir_ + "/checkpoints/latest." + std::to_string(g) + ".safetensors";
}

void RunFiles::create(const nlohmann::json& config, bool known_run) {
  if (!writer_) return;
  if (!known_run) check_new_run_directory(dir_, RunKind::kImage);  // never into a folder of the user's
  std::error_code ec;
  fs::create_directories(dir_ + "/samples", ec);
  fs::create_directories(dir_ + "/checkpoints", ec);
  if (ec || !fs::is_directory(dir_ + "/checkpoints")) throw file_error(dir_, "cannot create the run directory (" + ec.message() + ")");
  lock_ = RunLock(dir_);  // before looking: two trainers started together on one new directory
  if (file_exists(latest()))
    throw file_error(dir_, "already holds a run; continue it with --resume " + dir_ + " or choose another --out");
  write_config(config);
  std::ofstream(dir_ + "/metrics.jsonl", std::ios::trunc);
}

void RunFiles::reopen() {
  if (writer_) lock_ = RunLock(dir_);
}

void RunFiles::write_config(const nlohmann::json& config) const {
  if (!writer_) return;
  write_file_atomic(dir_ + "/config.json", [&](std::ostream& o) { o << config.dump(2) << "\n"; });
}

void RunFiles::log(const nlohmann::json& line) const {
  if (!writer_) return;
  std::ofstream(dir_ + "/metrics.jsonl", std::ios::app) << line.dump() << "\n";
}

RunFiles::Trimmed RunFiles::trim_metrics(int64_t iteration, int64_t iters) const {
  const std::string metrics = dir_ + "/metrics.jsonl";
  std::ifstream in(metrics);
  std::string line, kept;
  Trimmed out;
  while (std::getline(in, line)) {
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      const int64_t it = json_get(j, "iteration", int64_t(0));
      if (it > iteration) continue;
      if (json_get(j, "partial", false) && it != iters) continue;  // no longer the run's last line
      if (it == iteration && json_get(j, "event", "") == "checkpoint") out.checkpoint_logged = true;
      kept += line + "\n";
      if (j.contains("wall_s") && j["wall_s"].is_number()) out.wall_s = std::max(out.wall_s, j["wall_s"].get<double>());
    } catch (const std::exception&) {  // a line cut short by a kill: it runs again
    }
  }
  in.close();
  if (writer_) write_file_atomic(metrics, [&](std::ostream& o) { o << kept; });
  return out;
}

void RunFiles::rotate(const std::string& path, const std::vector<std::string>& companions) const {
  if (!writer_ || path != latest() || !file_exists(path)) return;
  // A generation moves with its companions; a checkpoint that records their digests tells a
  // mismatched pair apart should a crash fall between these renames.
  std::error_code ec;
  for (int g = kGenerations - 1; g > 0; --g)
    if (file_exists(generation(g - 1))) {
      fs::rename(generation(g - 1), generation(g), ec);
      for (const std::string& what : companions)
        if (file_exists(companion_path(generation(g - 1), what)))
          fs::rename(companion_path(generation(g - 1), what), companion_path(generation(g), what), ec);
    }
}

std::string RunFiles::restore_newest(int first, const std::function<void(const std::string&)>& restore,
                                     std::vector<std::string>& warnings) const {
  std::vector<std::string> have;
  for (int g = 0; g < kGenerations; ++g)
    if (file_exists(generation(g))) have.push_back(generation(g));
  std::string problems;
  const size_t start = have.empty() ? 0 : std::min<size_t>(size_t(std::max(0, first)), have.size() - 1);
  for (size_t i = start; i < have.size(); ++i) {
    const std::string& path = have[i];
    try {
      restore(path);
      if (!problems.empty()) warnings.push_back(problems + "; continuing from " + path);
      return path;
    } catch (const NotThisRun&) {
      throw;
    } catch (const Error& e) {
      problems += (problems.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (problems.empty()) throw file_error(latest(), "missing; nothing to resume");
  throw Error("no usable checkpoint in " + dir_ + "/checkpoints: " + problems);
}

void read_run_config(const std::string& dir, const std::function<void(const nlohmann::json&)>& parse) {
  const std::string path = dir + "/config.json";
  if (!file_exists(path)) throw file_error(dir, "is not a run directory (no config.json)");
  try {
    std::ifstream in(path);
    parse(nlohmann::json::parse(in));
  } catch (const Error& e) {
    throw file_error(path, e.what());
  } catch (const std::exception&) {
    throw file_error(path, "is not a valid run configuration (JSON expected)");
  }
}

std::string thread_count_warning(int64_t trained, const std::string& why) {
  const int64_t now = torch::get_num_threads();
  if (trained <= 0 || trained == now) return "";
  return "this run was trained with " + std::to_string(trained) + " threads and now runs with " + std::to_string(now) + "; " + why +
         "it will not match an uninterrupted run bit for bit (pass --threads " + std::to_string(trained) + " for that)";
}

}  // namespace shortrun

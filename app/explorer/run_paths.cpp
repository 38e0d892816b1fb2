// run_dir_of and checkpoint_note: the names core's Trainer (trainer.cpp) and the 2-D trainer give
// a run's files, read back.
#include "run_paths.h"

#include <filesystem>

namespace shortrun::explorer {

namespace fs = std::filesystem;

std::string run_dir_of(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return path;
  const fs::path p(path);
  const fs::path parent = p.parent_path();
  if (parent.filename() == "checkpoints" || parent.filename() == "samples") return parent.parent_path().string();
  const std::string name = p.filename().string();
  for (const char* own : {"metrics.jsonl", "config.json", "settings.json", "model.safetensors", "best.safetensors", "playground.png"})
    if (name == own) return parent.string();
  return path;
}

std::string checkpoint_note(const std::string& name) {
  // The trainer keeps three generations: each save of latest.safetensors first renames the old
  // latest to latest.1 and latest.1 to latest.2 (Trainer::save). A resume falls back to them when
  // the newer file does not load, and a watchdog rollback that diverges again before the next
  // checkpoint steps back one more generation (Trainer::restore_generation).
  if (name == "latest.safetensors") return "newest: where a resume starts";
  if (name == "latest.1.safetensors") return "backup: the checkpoint before latest";
  if (name == "latest.2.safetensors") return "backup: two checkpoints before latest";
  if (name == "best.safetensors") return "lowest evaluation FD so far";
  if (name == "model.safetensors") return "weights only, written when training ends or stops";
  return "";
}

}  // namespace shortrun::explorer

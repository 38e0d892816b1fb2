// run_dir_of and checkpoint_note: the names core's Trainer (trainer.cpp) and the 2-D trainer give
// a run's files, read back.
#include "views/run_data/run_paths.h"

#include <filesystem>

namespace shortrun::explorer {

namespace fs = std::filesystem;

std::string run_dir_of(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return path;
  fs::path p = fs::path(path).parent_path();
  if (p.filename() == "checkpoints" || p.filename() == "samples") p = p.parent_path();
  return p.string();
}

// The trainer keeps three generations: each save of latest.safetensors first renames the old
// latest to latest.1 and latest.1 to latest.2 (Trainer::save). A resume falls back to them when
// the newer file does not load, and a watchdog rollback that diverges again before the next
// checkpoint steps back one more generation (Trainer::restore_generation).
std::string checkpoint_note(const std::string& name) {
  if (name == "latest.safetensors") return "newest";
  if (name == "latest.1.safetensors") return "backup: previous";
  if (name == "latest.2.safetensors") return "backup: older";
  if (name == "best.safetensors") return "lowest FD";
  if (name == "model.safetensors") return "weights only";
  if (name.size() > 16 && name.compare(name.size() - 16, 16, ".ema.safetensors") == 0) return "EMA weights";
  return "";
}

std::string checkpoint_explanation(const std::string& name) {
  if (name == "latest.safetensors") return "the newest checkpoint: weights, Adam state and counters; a resume starts here";
  if (name == "latest.1.safetensors" || name == "latest.2.safetensors")
    return std::string(name[7] == '1' ? "the checkpoint saved before latest.safetensors" : "the checkpoint saved before latest.1") +
           ", kept as a backup: every checkpoint save renames latest to latest.1 and latest.1 to latest.2. A resume "
           "falls back to it when the newer file does not load; a watchdog rollback steps back to it when the run "
           "diverges again before its next checkpoint";
  if (name == "best.safetensors") return "the weights of the lowest evaluation FD so far (--eval-every)";
  if (name == "model.safetensors") return "the weights alone (no optimizer state), written when training ends or stops";
  if (name.size() > 16 && name.compare(name.size() - 16, 16, ".ema.safetensors") == 0)
    return "the exponential moving average of the weights (train --ema), saved beside the checkpoint of the same name; "
           "loading that checkpoint takes these by default (the Model panel's weights: raw | EMA)";
  return "a checkpoint file the trainer does not write itself";
}

}  // namespace shortrun::explorer

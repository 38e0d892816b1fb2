// Where a new training run may be written: never into a directory of the user's that is not a
// run (train --out on such a directory used to overwrite its config.json, metrics.jsonl and
// model.safetensors).
#pragma once
#include <string>

namespace shortrun {

enum class RunKind { kImage, kToy };

// Accepts a missing path, an empty directory (or one holding only what a start that died at once
// leaves: .lock and empty samples/ and checkpoints/), and a run directory of `kind` (an image
// run's config.json is a run configuration; a toy run has settings.json), which the trainer then
// refuses or restarts as before. Anything else throws one line naming the directory, a few of its
// entries and what to do.
void check_new_run_directory(const std::string& dir, RunKind kind);

}  // namespace shortrun

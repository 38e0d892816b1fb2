// The 2-D playground's export: the run directory `shortrun train --data toy:...` writes
// (playground.png, model.safetensors, metrics.jsonl, settings.json, command.txt), from the
// playground's trainer between two iterations. Torch side (the worker library).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "shortrun/toy2d/toy2d_trainer.h"
#include "views/toy2d/toy2d_runner.h"

namespace shortrun::explorer {

// What the runner knows about the run beyond its trainer.
struct Toy2dRunFacts {
  bool reproducible = true;
  int64_t changed_at = -1;             // first iteration with changed settings
  std::string loaded;                  // the model file it continued from ("": fresh weights)
  int64_t base = 0;                    // that file's iteration, added to the trainer's count
  std::vector<double> log_walls;       // wall seconds of each history entry
};

// Writes DIR (created if missing). The result's error says what failed; id is left to the caller.
// The trainer's settings are restored before it returns.
Toy2dExportResult write_toy2d_export(Toy2dTrainer& trainer, const Toy2dRunFacts& facts, const std::string& dir);

}  // namespace shortrun::explorer

// `shortrun train --data toy:NAME`: the 2-D playground's short-run learning written as a run
// directory (metrics.jsonl, playground.png, model.safetensors, settings.json with the command).
#pragma once
#include <atomic>
#include <string>

#include "shortrun/toy2d_trainer.h"

namespace shortrun::cli {

struct ToyTrainRequest {
  Toy2dConfig config;
  Toy2dSettings settings;
  std::string out;
  int64_t iters = 2000;
  int threads = 1;  // intra-op threads in use (recorded in the reproducing command)
};

// Trains, printing a line per history entry; *stop ends it early (the outputs are still written).
void run_toy_training(const ToyTrainRequest& request, const std::atomic<bool>* stop);

}  // namespace shortrun::cli

// `shortrun train --data toy:NAME`: the 2-D playground's short-run learning written as a run
// directory (metrics.jsonl, playground.png, model.safetensors, settings.json with the command).
#pragma once
#include <atomic>
#include <string>

#include "toy_run.h"

namespace shortrun::cli {

// Trains, printing a line per history entry; *stop ends it early (the outputs are still written).
void run_toy_training(const ToyTrainRequest& request, const std::atomic<bool>* stop);

}  // namespace shortrun::cli

// What `shortrun train --data toy:NAME` and the explorer's 2-D playground share, so that a run
// exported from the playground is the run the CLI writes: the request, the reproducing command
// line, settings.json, a metrics.jsonl line, and the picture (target | learned exp(f) |
// short-run x_K | long-run x_10K).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "shortrun/toy2d/toy2d_trainer.h"

namespace shortrun::cli {

struct ToyTrainRequest {
  Toy2dConfig config;
  Toy2dSettings settings;
  std::string out;
  int64_t iters = 2000;
  int threads = 1;  // intra-op threads in use (recorded in the reproducing command)
};

// "shortrun train --data toy:ring8 --out DIR --iters N ..." with every setting spelled out.
std::string toy_reproducing_command(const ToyTrainRequest& request);
// The run directory's settings.json (kind, config, settings, iters, threads, command).
nlohmann::json toy_settings_json(const ToyTrainRequest& request);
// One metrics.jsonl entry; wall_s is the seconds since the run started.
nlohmann::json toy_metrics_json(const Toy2dLog& log, double wall_s);
// A watchdog rollback's metrics.jsonl entry ("event": "rollback").
nlohmann::json toy_rollback_json(const Toy2dRollback& rollback, double wall_s);
// target | learned exp(f) | short-run x_K | long-run x_10K, 1,000 chains each, as a PNG.
void write_toy_playground_png(const Toy2dTrainer& trainer, const std::string& path);

}  // namespace shortrun::cli

// One `shortrun eval` run, shared by a fresh evaluation and `eval --check`'s re-run: loads the
// model, feature net and data, evaluates, and returns the result with its `protocol` object
// (everything needed to run it again and to tell whether the re-run may differ).
#pragma once
#include <atomic>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "shortrun/distributed/process_group.h"
#include "shortrun/training/eval_protocol.h"
#include "shortrun/training/evaluation.h"

namespace shortrun::cli {

struct EvalRequest {
  std::string model;             // as --model gives it ("" : the bundled model)
  std::string weights = "auto";  // raw | ema | auto
  std::string data = "fashion-mnist";
  std::string features;          // "" : the bundled feature net
  EvalOptions eval;
  const SamplerOverrides* overrides = nullptr;  // a fresh evaluation's --steps ... (or none)
  std::optional<SamplerConfig> sampler;         // a re-run: the recorded settings, used as they are
  RuntimeOptions rt;
  ModelOptions mo;
  // --long-run K2 (0: none): the evaluation's chains continued from x_K to K2 steps, reported as
  // "long_run" (FD, energy drift, saturation) and recorded in the protocol. cancel: Ctrl+C.
  int64_t long_run = 0;
  const std::atomic<bool>* cancel = nullptr;
  // Data-parallel (issue 27): each rank draws its share of the N chains, rank 0 gathers them and
  // evaluates; nullptr: one process.
  DistGroup* group = nullptr;
};

// Thrown by run_evaluation when `cancel` stopped the long run.
struct EvalInterrupted {
  int64_t step = 0, k2 = 0;
};


// Runs the evaluation (progress on stderr) and returns evaluate_model's JSON plus "model",
// "weights" and "protocol" (with a group: on rank 0; the other ranks get null). Throws
// shortrun::Error on bad input.
nlohmann::json run_evaluation(const EvalRequest& request);

// `eval --check FILE`: re-runs the evaluation FILE records and prints, per metric, the recorded
// and re-run values. threads/device: overrides given on the command line (empty: the recorded
// ones). Returns the exit status: 0 reproduces, 1 does not, 2 bad input (one stderr line).
int check_evaluation(const std::string& file, const std::optional<int>& threads, const std::optional<std::string>& device,
                     const ModelOptions& mo);

}  // namespace shortrun::cli

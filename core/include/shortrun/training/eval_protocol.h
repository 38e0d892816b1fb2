// Comparing a recorded evaluation with its re-run (`shortrun eval --check`): which numbers are
// the evaluation's metrics, when they must agree bit for bit (same threads, device, build and
// CPU instruction-set limit) and the tolerance that applies otherwise.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/model/sampler_config.h"

namespace shortrun {

// The protocol's format version (its "version" field).
constexpr int kEvalProtocolVersion = 1;

// What every recorded evaluation says about itself, whoever ran it (`shortrun eval` adds the model,
// data, training images and ceiling; the trainer's periodic eval lines carry just this).
struct EvalProtocolCore {
  int64_t n = 0;                       // samples compared
  std::string reference_split;         // "test" (or "train" where the source has no test split)
  int64_t reference_count = 0;
  std::string reference_sha256;        // of the reference images as float32 (tensor_sha256)
  std::string features_name, features_path, features_sha256;
  SamplerConfig sampler;               // its seed is the protocol's seed
  std::string weights = "raw";         // raw | ema
  std::string device = "cpu";
};
// {"version","n","reference":{split,count,sha256},"features":{name,path,sha256},"sampler","seed",
//  "weights","threads","device","cpu_isa_limit","build"} (threads: torch's now; cpu_isa_limit:
// $DNNL_MAX_CPU_ISA; build: build_json()).
nlohmann::json eval_protocol_json(const EvalProtocolCore& p);
// SHA-256 of a tensor's values as contiguous float32 on the CPU.
std::string tensor_sha256(const torch::Tensor& t);

// Relative tolerance for a re-run in another environment (threads, device, build or
// DNNL_MAX_CPU_ISA differ): |rerun - recorded| <= kEvalCheckRelTol * max(1, |recorded|).
constexpr double kEvalCheckRelTol = 1e-3;

// The metrics of an `eval` result by name (fd, fd_floor_train, ..., nearest_train_l2.samples_mean
// ..., long_run.fd_long ... with --long-run), in report order. Throws shortrun::Error naming a metric that is missing or not a finite
// number (nearest_train_l2 is optional: absent with --no-memorisation).
std::vector<std::pair<std::string, double>> eval_metrics(const nlohmann::json& result);

struct MetricCheck {
  std::string name;
  double recorded = 0, rerun = 0;
  bool reproduces = false;
};

// Per metric of `recorded`, its re-run value and whether it reproduces: equal (exact) or within
// kEvalCheckRelTol. A metric the re-run lacks does not reproduce (rerun NaN).
std::vector<MetricCheck> compare_eval_metrics(const nlohmann::json& recorded, const nlohmann::json& rerun, bool exact);

// The fields of a protocol that decide whether a re-run is bit-identical: threads, device,
// build and cpu_isa_limit. Empty when `a` and `b` agree on all of them; else what differs
// ("threads 1 vs 2, ...").
std::string environment_difference(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace shortrun

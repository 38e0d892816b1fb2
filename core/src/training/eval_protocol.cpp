// eval --check's comparison: the metrics of an eval result, exact vs tolerant agreement, and the
// environment fields that decide which applies.
#include "shortrun/training/eval_protocol.h"

#include <cmath>
#include <limits>

#include <cstdlib>

#include "shortrun/base/build_info.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/base/sha256.h"

namespace shortrun {

namespace {
const char* const kMetrics[] = {"fd",           "fd_floor_train", "fd_ceiling_noise",   "fd_relative",
                                "energy_data",  "energy_samples", "saturated_fraction", "saturated_fraction_data",
                                "non_finite_samples"};
const char* const kNearest[] = {"samples_mean", "samples_min", "test_mean", "test_min"};
const char* const kLongRun[] = {"fd_short", "fd_long", "energy_short", "energy_long", "drift", "drift_p10", "drift_p90",
                                "saturated_short", "saturated_long"};
const char* const kEnvironment[] = {"threads", "device", "build", "cpu_isa_limit"};
}  // namespace

nlohmann::json eval_protocol_json(const EvalProtocolCore& p) {
  const char* isa = std::getenv("DNNL_MAX_CPU_ISA");
  return {{"version", kEvalProtocolVersion},
          {"n", p.n},
          {"reference", {{"split", p.reference_split}, {"count", p.reference_count}, {"sha256", p.reference_sha256}}},
          {"features", {{"name", p.features_name}, {"path", p.features_path}, {"sha256", p.features_sha256}}},
          {"sampler", p.sampler},
          {"seed", p.sampler.seed},
          {"weights", p.weights},
          {"threads", torch::get_num_threads()},
          {"device", p.device},
          {"cpu_isa_limit", isa ? isa : ""},
          {"build", build_json()}};
}

std::string tensor_sha256(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).to(torch::kFloat32).contiguous();
  return sha256_hex(c.data_ptr(), static_cast<size_t>(c.numel()) * sizeof(float));
}

std::vector<std::pair<std::string, double>> eval_metrics(const nlohmann::json& r) {
  if (!r.is_object()) throw Error("an evaluation result is a JSON object");
  std::vector<std::pair<std::string, double>> out;
  for (const char* k : kMetrics) {
    if (!r.contains(k)) throw Error(std::string("the metric '") + k + "' is missing");
    out.emplace_back(k, json_finite_value(r[k], k));
  }
  if (r.contains("nearest_train_l2")) {
    const nlohmann::json& m = r["nearest_train_l2"];
    if (!m.is_object()) throw Error("nearest_train_l2: expected an object");
    for (const char* k : kNearest) {
      const std::string name = std::string("nearest_train_l2.") + k;
      if (!m.contains(k)) throw Error("the metric '" + name + "' is missing");
      out.emplace_back(name, json_finite_value(m[k], name));
    }
  }
  if (r.contains("long_run")) {  // eval --long-run K2
    const nlohmann::json& m = r["long_run"];
    if (!m.is_object()) throw Error("long_run: expected an object");
    for (const char* k : kLongRun) {
      const std::string name = std::string("long_run.") + k;
      if (!m.contains(k)) throw Error("the metric '" + name + "' is missing");
      out.emplace_back(name, json_finite_value(m[k], name));
    }
  }
  return out;
}

std::vector<MetricCheck> compare_eval_metrics(const nlohmann::json& recorded, const nlohmann::json& rerun, bool exact) {
  const auto again = eval_metrics(rerun);
  std::vector<MetricCheck> out;
  for (const auto& [name, value] : eval_metrics(recorded)) {
    MetricCheck c{name, value, std::numeric_limits<double>::quiet_NaN(), false};
    for (const auto& [n2, v2] : again)
      if (n2 == name) c.rerun = v2;
    if (exact)
      c.reproduces = c.rerun == value;
    else
      c.reproduces = std::abs(c.rerun - value) <= kEvalCheckRelTol * std::max(1.0, std::abs(value));
    out.push_back(c);
  }
  return out;
}

std::string environment_difference(const nlohmann::json& a, const nlohmann::json& b) {
  std::string out;
  for (const char* k : kEnvironment) {
    const nlohmann::json x = a.is_object() && a.contains(k) ? a[k] : nlohmann::json(), y = b.is_object() && b.contains(k) ? b[k] : nlohmann::json();
    if (x != y) out += (out.empty() ? "" : ", ") + std::string(k) + " " + x.dump() + " vs " + y.dump();
  }
  return out;
}

}  // namespace shortrun

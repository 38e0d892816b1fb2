// `shortrun eval --check FILE`: reads a recorded evaluation, refuses when what it used is gone or
// changed, re-runs it with the recorded protocol and compares every metric (exactly when the
// environment is the same, within kEvalCheckRelTol otherwise).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval_run.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/base/printable.h"
#include "shortrun/base/sha256.h"
#include "shortrun/training/eval_protocol.h"
#include "shortrun/training/long_run_health.h"

namespace shortrun::cli {

namespace {

constexpr std::uintmax_t kMaxRecordBytes = 16u << 20;
const char* const kExpected = "expected the JSON object `shortrun eval` writes, with its \"protocol\"";

nlohmann::json read_record(const std::string& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw file_error(file, "cannot be read (" + ec.message() + "); " + kExpected);
  if (size > kMaxRecordBytes) throw file_error(file, "is " + std::to_string(size) + " bytes, too large for an evaluation; " + kExpected);
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw file_error(file, std::string("cannot be read; ") + kExpected);
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) throw file_error(file, std::string("is not valid JSON (truncated?); ") + kExpected);
  if (!j.is_object() || !j.contains("protocol") || !j["protocol"].is_object())
    throw file_error(file, std::string("has no \"protocol\" object (an evaluation from before protocols were recorded?); ") + kExpected);
  return j;
}

const nlohmann::json& object_field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_object()) throw Error(std::string("protocol: '") + key + "' is missing or not an object");
  return j[key];
}

std::string required_string(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) throw Error("protocol: '" + where + key + "' is missing or not a string");
  return j[key].get<std::string>();
}

void require_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("the recorded " + what + " " + printable(path) + " is missing");
}

void require_same_sha(const std::string& path, const std::string& recorded, const std::string& what) {
  const std::string now = sha256_file(path);
  if (now != recorded)
    throw Error("the " + what + " " + printable(path) + " has changed since the evaluation (SHA-256 " + recorded.substr(0, 16) +
                "... recorded, " + now.substr(0, 16) + "... now); refusing to compare");
}

// The re-run's request from the recorded protocol; checks that every file it names is there and
// unchanged. Throws shortrun::Error (bad input).
EvalRequest request_from(const nlohmann::json& p, const nlohmann::json& recorded) {
  const int version = static_cast<int>(json_int(p, "version", 0, 0, 1000000));
  if (version != kEvalProtocolVersion)
    throw Error("protocol: version " + std::to_string(version) + "; this build reads version " + std::to_string(kEvalProtocolVersion));
  eval_metrics(recorded);  // every recorded metric is a number, before any work
  EvalRequest r;
  const nlohmann::json& model = object_field(p, "model");
  const nlohmann::json& feat = object_field(p, "features");
  r.model = required_string(model, "given", "model.");
  const std::string model_file = required_string(model, "file", "model.");
  r.weights = required_string(p, "weights", "");
  if (r.weights != "raw" && r.weights != "ema") throw Error("protocol: weights '" + printable(r.weights) + "'; expected raw or ema");
  r.features = required_string(feat, "path", "features.");
  r.data = required_string(p, "data", "");
  r.eval.n = json_int(p, "n", 0, 2, 100000);
  if (!p.contains("n")) throw Error("protocol: 'n' is missing");
  r.eval.memorisation = json_bool(p, "memorisation", true);
  r.eval.noise_seed = json_uint(p, "ceiling_noise_seed", r.eval.noise_seed);
  if (p.contains("long_run")) r.long_run = json_int(object_field(p, "long_run"), "k2", 0, 1, kMaxLongRunSteps);
  SamplerConfig s;
  from_json(object_field(p, "sampler"), s);
  r.sampler = s;
  r.rt.threads = static_cast<int>(json_int(p, "threads", 0, 1, 100000));
  r.rt.device = required_string(p, "device", "");

  require_file(r.model, "model");
  require_file(model_file, "model file");
  require_file(r.features, "feature net");
  const size_t colon = r.data.find(':');
  if (colon != std::string::npos) require_file(r.data.substr(colon + 1), "data");
  require_same_sha(r.features, required_string(feat, "sha256", "features."), "feature net");
  require_same_sha(model_file, required_string(model, "sha256", "model."), "model file");
  return r;
}

}  // namespace

int check_evaluation(const std::string& file, const std::optional<int>& threads, const std::optional<std::string>& device,
                     const ModelOptions& mo) {
  nlohmann::json recorded, rerun;
  try {
    recorded = read_record(file);
    const nlohmann::json& p = recorded["protocol"];
    EvalRequest r;
    try {
      r = request_from(p, recorded);
    } catch (const Error& e) {
      throw file_error(file, e.what());
    }
    r.mo = mo;
    if (threads) r.rt.threads = *threads;
    if (device) r.rt.device = *device;
    rerun = run_evaluation(r);
    const nlohmann::json& q = rerun["protocol"];
    for (const char* part : {"reference", "train"})
      if (q[part]["sha256"] != p.value(part, nlohmann::json::object()).value("sha256", nlohmann::json()))
        throw file_error(file, std::string("the ") + (part == std::string("train") ? "training" : "test") + " images of " +
                                   printable(r.data) + " differ from the recorded ones (SHA-256); refusing to compare");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    std::fprintf(stderr, "error: %s\n", printable(what.substr(0, what.find('\n'))).c_str());
    return 2;
  }
  const std::string diff = environment_difference(recorded["protocol"], rerun["protocol"]);
  const bool exact = diff.empty();
  const auto rows = compare_eval_metrics(recorded, rerun, exact);
  const nlohmann::json& q = rerun["protocol"];
  if (exact)
    std::printf("%s: exact comparison (same threads %d, device %s, build %s, DNNL_MAX_CPU_ISA '%s')\n", printable(file).c_str(),
                q["threads"].get<int>(), q["device"].get<std::string>().c_str(), q["build"].dump().c_str(),
                q["cpu_isa_limit"].get<std::string>().c_str());
  else
    std::printf("%s: tolerance |re-run - recorded| <= %g x max(1, |recorded|), since the environment differs: %s\n",
                printable(file).c_str(), kEvalCheckRelTol, printable(diff).c_str());
  std::printf("  %-28s %22s %22s\n", "metric", "recorded", "re-run");
  int bad = 0;
  for (const auto& c : rows) {
    std::printf("  %-28s %22.17g %22.17g  %s\n", c.name.c_str(), c.recorded, c.rerun, c.reproduces ? "ok" : "DIFFERS");
    bad += !c.reproduces;
  }
  if (bad == 0)
    std::printf("%s: reproduces (%zu of %zu metrics, %s)\n", printable(file).c_str(), rows.size(), rows.size(), exact ? "exact" : "within tolerance");
  else
    std::printf("%s: does not reproduce (%d of %zu metrics differ, %s)\n", printable(file).c_str(), bad, rows.size(),
                exact ? "exact" : "within tolerance");
  return bad == 0 ? 0 : 1;
}

}  // namespace shortrun::cli

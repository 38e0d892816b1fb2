// read_run_settings: which file holds a run's settings, a bounded read of it (or of a checkpoint's
// safetensors header for the model card) and the JSON flattened into rows.
#include "views/run_data/run_settings.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "shortrun/base/printable.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kCardFiles[] = {"model.safetensors", "checkpoints/latest.safetensors"};

// The whole file if it is a regular file within kMaxBytes; else "" and a reason in `why`.
bool read_small(const std::string& path, std::string& out, std::string& why) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    why = printable(path) + " is not a regular file";
    return false;
  }
  const auto size = fs::file_size(path, ec);
  if (ec || size > RunSettings::kMaxBytes) {
    why = printable(path) + (ec ? " could not be read" : " is larger than a settings file can be (over 1 MiB)");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  out.assign(size_t(size), '\0');
  in.read(out.data(), std::streamsize(size));
  out.resize(size_t(std::max<std::streamsize>(0, in.gcount())));
  if (!in && !in.eof()) {
    why = printable(path) + " could not be read";
    return false;
  }
  return true;
}

// The "shortrun" metadata string of a safetensors file, reading only its header.
bool read_card(const std::string& path, std::string& out, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  unsigned char len[8];
  if (!in.read(reinterpret_cast<char*>(len), 8)) {
    why = printable(path) + " is too short for a checkpoint";
    return false;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  if (n == 0 || n > RunSettings::kMaxBytes) {
    why = printable(path) + " has no checkpoint header of a plausible size";
    return false;
  }
  std::string header(size_t(n), '\0');
  if (!in.read(header.data(), std::streamsize(n))) {
    why = printable(path) + " ends inside its header";
    return false;
  }
  const json h = json::parse(header, nullptr, false);
  const json* meta = h.is_object() && h.contains("__metadata__") ? &h["__metadata__"] : nullptr;
  if (!meta || !meta->is_object() || !meta->contains("shortrun") || !(*meta)["shortrun"].is_string()) {
    why = printable(path) + " has no model card (no 'shortrun' metadata)";
    return false;
  }
  out = (*meta)["shortrun"].get<std::string>();
  return true;
}

std::string value_text(const json& v) {
  if (v.is_string()) return clip(v.get<std::string>(), RunSettings::kMaxText);
  if (v.is_object()) return "{" + std::to_string(v.size()) + " keys}";
  if (v.is_array()) {
    for (const json& e : v)
      if (e.is_structured()) return "[" + std::to_string(v.size()) + " items]";
    return clip(json_text(v), RunSettings::kMaxText);
  }
  return clip(json_text(v), RunSettings::kMaxText);
}

void flatten(const json& j, const std::string& prefix, size_t depth, RunSettings& s) {
  for (const auto& [key, v] : j.items()) {
    const std::string name = prefix + clip(key, 60);
    if (v.is_object() && depth + 1 < RunSettings::kMaxDepth && !v.empty()) {
      flatten(v, name + ".", depth + 1, s);
      continue;
    }
    if (s.rows.size() >= RunSettings::kMaxRows) {
      ++s.dropped;
      continue;
    }
    s.rows.emplace_back(name, value_text(v));
  }
}

RunSettings from_json(const std::string& text, const std::string& source, const std::string& path) {
  RunSettings s;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) {
    s.error = printable(path) + " is not a JSON object (settings expected)";
    return s;
  }
  s.source = source;
  if (source == "settings.json") {
    s.kind = "2-D run";
    flatten(j, "", 0, s);
  } else if (source == "config.json") {
    s.kind = "image run";
    flatten(j, "", 0, s);
  } else {
    // A model card: the trainer's settings are its provenance.trainer; the build is worth a row.
    const json* trainer = j.contains("provenance") && j["provenance"].is_object() && j["provenance"].contains("trainer")
                              ? &j["provenance"]["trainer"] : nullptr;
    if (!trainer || !trainer->is_object()) {
      s.error = printable(path) + ": its model card holds no trainer settings (not a `shortrun train` checkpoint)";
      s.source.clear();
      return s;
    }
    s.kind = "image run";
    flatten(*trainer, "", 0, s);
    if (j["provenance"].contains("build")) flatten(json{{"build", j["provenance"]["build"]}}, "", 0, s);
  }
  std::sort(s.rows.begin(), s.rows.end());
  return s;
}

RunSettings failed(const std::string& why) {
  RunSettings s;
  s.error = why;
  return s;
}

}  // namespace

RunSettings read_run_settings(const std::string& run_dir) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    RunSettings s;
    s.error = printable(run_dir) + (fs::exists(run_dir, ec) ? " is not a directory (a run directory expected)" : " does not exist");
    s.no_directory = true;
    return s;
  }
  std::string text, why;
  for (const char* name : {"config.json", "settings.json"}) {
    const std::string path = run_dir + "/" + name;
    if (!fs::exists(path, ec)) continue;
    if (!read_small(path, text, why)) return failed(why);
    return from_json(text, name, path);
  }
  for (const char* name : kCardFiles) {
    const std::string path = run_dir + "/" + name;
    if (!fs::is_regular_file(path, ec)) continue;
    if (!read_card(path, text, why)) return failed(why);
    return from_json(text, name, path);
  }
  return failed("no config.json, settings.json or checkpoint in " + printable(run_dir));
}

int run_world_size(const RunSettings& s) {
  if (s.source != "config.json") return 1;
  for (const auto& [key, value] : s.rows)
    if (key == "world_size") {
      const json v = json::parse(value, nullptr, false);
      if (v.is_number_integer() && v.get<int64_t>() >= 1 && v.get<int64_t>() <= 65536) return int(v.get<int64_t>());
      return 1;
    }
  return 1;
}

std::string run_settings_key(const std::string& run_dir) {
  std::string key;
  std::error_code ec;
  for (const char* name : {"config.json", "settings.json", kCardFiles[0], kCardFiles[1]}) {
    const std::string path = run_dir + "/" + name;
    const auto size = fs::file_size(path, ec);
    if (ec) {
      key += "-|";
      continue;
    }
    const auto t = fs::last_write_time(path, ec);
    key += std::to_string(size) + ":" + (ec ? "?" : std::to_string(t.time_since_epoch().count())) + "|";
  }
  return key;
}

}  // namespace shortrun::explorer

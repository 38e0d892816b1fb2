// The settings a run directory stores, flattened to (key, value) rows for a side-by-side table:
// an image run's config.json (what `shortrun train` ran with), a 2-D run's settings.json, or,
// when neither is there, the trainer settings in the model card of model.safetensors or of
// checkpoints/latest.safetensors. Nested keys become dotted paths ("sampler.step_size"). A run
// directory is a file like any other: every read is bounded (file size, rows, depth, text length)
// and what cannot be read becomes a one-line reason, never an exception.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace shortrun::explorer {

struct RunSettings {
  static constexpr size_t kMaxBytes = 1 << 20;  // a settings file (or card header) larger is refused
  static constexpr size_t kMaxRows = 400, kMaxDepth = 6, kMaxText = 160;
  std::string source;  // the file read, relative to the run ("config.json"); "" when none was
  std::string kind;    // "image run", "2-D run", "" when unknown
  std::vector<std::pair<std::string, std::string>> rows;  // sorted by key, values as JSON text
  std::string error;   // why no settings were read (one line), "" when read
  bool no_directory = false;  // the run directory itself does not exist or is not a directory
  size_t dropped = 0;  // rows past kMaxRows, counted
};

// The number of data-parallel ranks the run last ran with (config.json's `world_size`, issue 27):
// 1 when the settings do not say (a run from before it was recorded, a 2-D run, a model card),
// or say something that is not a whole number in 1..65536.
int run_world_size(const RunSettings& s);

// Reads the run's settings now (a few small files; callers keep it off the UI thread).
RunSettings read_run_settings(const std::string& run_dir);

// A key that changes when any file read_run_settings would read changes (size and time): read
// again only then.
std::string run_settings_key(const std::string& run_dir);

}  // namespace shortrun::explorer

// Exports from the Chains panel, run on the worker thread: a PNG of the grid at one step, and
// the whole chain as numbered frames (+ GIF/MP4 through ffmpeg when it is installed). Each
// export writes a JSON of every setting next to it, with the CLI command that reproduces it.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "worker/export_request.h"

namespace shortrun::explorer {

// Returns a one-line description of what was written; throws shortrun::Error on failure.
std::string write_grid_png(const ExportRequest& request);
// `progress(i, n)`: frame i of n written (optional).
std::string write_chain_frames(const ExportRequest& request, const std::atomic<bool>& cancel,
                               const std::function<void(int, int)>& progress = nullptr);
// The settings of a run as JSON, with the equivalent `shortrun sample` command line.
nlohmann::json export_settings(const ExportRequest& request);
bool ffmpeg_available();

}  // namespace shortrun::explorer

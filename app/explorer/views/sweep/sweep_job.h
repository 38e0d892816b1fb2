// The K × step-size contact sheet's data and jobs: one chain (same z, same noise seed) under the
// Chains tab's sampler, every K of a list in rows and every step size in columns (core
// run_contact_sheet on the views' thread), optionally the FD of N chains per cell. Plain data:
// the UI side never sees a tensor.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "worker/snapshots.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ViewJobs;

struct SweepRequest {
  std::string model;
  SamplerSettings sampler;             // all but steps and step size, which the lists replace
  std::vector<int> steps = {10, 25, 50, 100, 200};
  std::vector<float> step_sizes = {0.25f, 0.5f, 1.0f, 2.0f};
  int chain = 0;                       // the chain (z and u_k) every cell shows
  int fd_n = 0;                        // FD of chains 0..fd_n-1 per cell (0: none)
};
nlohmann::json to_json(const SweepRequest& r);

struct SweepData {
  uint64_t id = 0;
  SweepRequest request;
  int rows = 0, cols = 0;
  ImageShape shape;                    // of one cell (n = 1)
  std::vector<float> images;           // rows × cols cells, each H·W·C (NHWC), row-major
  std::vector<double> energy, grad_norm, saturated, fd;  // [rows × cols] (fd NaN when not measured)
  double seconds = 0;
  std::string device;
  int threads = 1;
  nlohmann::json config;               // the core ContactSheetConfig run
  // While it runs, the sheet so far (cells not reached: black, readings NaN); a stopped sheet
  // stays as far as it got.
  int cells_done = 0;
  bool complete = true, stopped = false;
  const float* cell(int row, int col) const { return images.data() + size_t(row * cols + col) * shape.image_floats(); }
};

// Posts the sheet (superseding a running one); the slot gets the sheet as it fills in (at most
// five times a second), then the finished one, or the part done when stopped.
uint64_t post_sweep(ViewJobs& jobs, const SweepRequest& request, std::shared_ptr<ViewResultSlot<SweepData>> slot);

// The export: the sheet PNG (exactly what `shortrun sweep` writes), PNG.json with the settings
// and the command that redraws it; the slot gets what was written (or the line saying why not).
void post_sweep_export(ViewJobs& jobs, std::shared_ptr<const SweepData> data, const std::string& png,
                       std::shared_ptr<ViewResultSlot<ExportOutcome>> slot);
std::string sweep_command_line(const SweepData& data, const std::string& png);

}  // namespace shortrun::explorer

// The short-run vs long-run view's data and jobs: the same chains as the Chains tab (its
// sampler settings and model) continued from K to M = multiple × K on the views' thread
// (core run_long). Per-step curves fill in place while the run goes on (an atomic counter says
// how far they are complete); the images at K, at M and along a strided, bounded trajectory
// are published under a mutex. Plain data: the UI side never sees a tensor.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "worker/snapshots.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ViewJobs;

struct LongRunRequest {
  std::string model;         // the model file
  std::string weights_flag;  // " --weights raw" for a checkpoint's raw weights with EMA beside it (weights_pick.h)
  SamplerSettings sampler;   // steps = K; chains
  int multiple = 10;         // M = multiple × K, unless continue_to is set
  int continue_to = 0;       // M itself (0: multiple × K)
  int max_frames = 64;       // the trajectory keeps at most this many images (K and M among them)
  int total_steps() const { return continue_to > 0 ? continue_to : multiple * sampler.steps; }
};
nlohmann::json to_json(const LongRunRequest& r);

struct LongRunData {
  uint64_t id = 0;
  LongRunRequest request;
  int K = 0, M = 0;
  ImageShape shape;  // n = chains
  // Per step k = 0..M and chain i, at [k * n + i]; entry k is written before `ready` passes k.
  std::vector<float> energy, grad_norm, saturated;
  std::atomic<int> ready{0};
  std::atomic<bool> finished{false}, cancelled{false};
  std::atomic<double> seconds{0.0};
  // Where the run happened (the reproducing command names them: the results depend on them).
  std::string device;  // cpu | cuda
  int threads = 1;
  nlohmann::json config;  // the SamplerConfig run (the model's chunk etc. with the edited fields)

  // The images: x at frame_steps[t] (NHWC floats, [-1,1]); K and M are always among them.
  struct Frame {
    int step = 0;
    std::shared_ptr<const std::vector<float>> x;
  };
  std::vector<Frame> frames() const;
  std::shared_ptr<const std::vector<float>> at_step(int step) const;  // null: not reached / not kept
  void add_frame(int step, std::vector<float> x);

 private:
  mutable std::mutex mutex_;
  std::vector<Frame> frames_;
};

// Posts the run (superseding a running one); its progress, ETA and stop are in the job list.
// The slot receives the data (numbered `id`) as soon as it is allocated: the view draws it while
// it fills.
uint64_t post_long_run(ViewJobs& jobs, const LongRunRequest& request, uint64_t id,
                       std::shared_ptr<ViewResultSlot<LongRunData>> slot);

// The export: PNG (x_K | x_M, exactly what `shortrun sample --continue-to` writes), PNG.json with
// the settings and the command line that redraws the PNG; the slot gets what was written (or
// the line saying why not).
struct LongRunExport {
  std::string png;          // the PNG path; the JSON is png + ".json"
  int cols = 0;             // grid columns (0: ceil(sqrt(n)), as the CLI)
};
void post_long_run_export(ViewJobs& jobs, std::shared_ptr<const LongRunData> data, const LongRunExport& e,
                          std::shared_ptr<ViewResultSlot<ExportOutcome>> slot);

// The command line that redraws the export's PNG (also in its JSON).
std::string long_run_command(const LongRunData& data, const LongRunExport& e);

}  // namespace shortrun::explorer

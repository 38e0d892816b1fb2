// The OOD probe view's torch side (ood_job.cpp, in shortrun_explorer_worker): reads the images,
// scores them with core's probe_images against a test batch of the data and the model's own
// samples, keeps each image's chain (the image as x_0, K steps) as a bounded trajectory, and
// writes the view's export with the same core calls `shortrun score` makes. The UI sees only
// the plain OodResult below.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "worker/snapshots.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ViewJobs;

struct OodRequest {
  std::string model_path;
  std::vector<std::string> images;  // files or folders, made absolute (the command runs anywhere)
  std::string data = "fashion-mnist";
  SamplerSettings sampler;          // the sidebar's (K, step size, noise, seed, ...)
  int reference_n = 64;             // data images and model samples on the histograms
  int max_frames = 64;              // of each image's chain kept for the scrub (K always among them)
  std::vector<std::string> skipped; // inputs already found missing ("path: reason"); the rest are scored
};

struct OodResult {
  OodRequest request;
  nlohmann::json settings;          // core's OodProbeConfig as JSON (the sampler as used)
  std::vector<std::string> names, notes;
  std::vector<std::string> skipped;  // inputs not scored, "path: why" (missing, unreadable, wrong kind)
  ImageShape shape;                 // n = the number of images
  std::vector<float> energy, percentile_data, percentile_samples, chain_energy;  // per image
  std::vector<float> data_energy, sample_energy;  // the two reference batches
  bool reused_samples = false;                   // sample_energy from the previous probe (same model and settings)
  std::string data_description;
  std::vector<int> frame_steps;                  // steps of the kept frames, 0 and K included
  std::vector<std::vector<float>> frames;        // [T][M·H·W·C]: frame 0 is the images themselves
  double seconds = 0;
  std::shared_ptr<const void> core;              // the tensors the export draws from (torch side)
};

// Posts the probe (kind "ood"; a newer one stops the running one).
uint64_t post_ood_probe(ViewJobs& jobs, const OodRequest& request, std::shared_ptr<ViewResultSlot<OodResult>> slot);

// The `shortrun score` command that writes `png` as the view's export does.
std::string ood_command(const OodResult& r, const std::string& png);

// Writes png (core's ood_probe_image: the images on top, x_K of their chains under them) and
// png.json (settings, scores, the command), on the view thread.
uint64_t post_ood_export(ViewJobs& jobs, std::shared_ptr<const OodResult> r, const std::string& png,
                         std::shared_ptr<ViewResultSlot<ExportOutcome>> slot);

}  // namespace shortrun::explorer

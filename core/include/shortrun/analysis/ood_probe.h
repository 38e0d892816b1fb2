// OOD probe: f(x) of given images, placed against f over a batch of the data's test split and
// over the model's own short-run samples (each image's percentile in both), and optionally each
// image's own chain (the image as x_0, K steps). EBMs, like other likelihood models, are known
// to give some out-of-distribution inputs higher likelihood than the data (Nalisnick et al. 2019;
// Du & Mordatch 2019): a high percentile is not evidence that an image is in-distribution.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/analysis/view_common.h"
#include "shortrun/io/datasets.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

struct OodProbeConfig {
  SamplerConfig sampler;      // the model's samples (chains 0..reference_n-1) and the image chains
  int64_t reference_n = 256;  // data images and model samples to compare with
  bool chains = false;        // also run each image's chain: image i as x_0 with chain i's noise
  void validate() const;      // throws shortrun::Error
};
void to_json(nlohmann::json& j, const OodProbeConfig& c);
void from_json(const nlohmann::json& j, OodProbeConfig& c);

struct OodProbeResult {
  torch::Tensor energy;              // [M] float64: f(image)
  torch::Tensor data_energy;         // [n] float64: f over the data batch
  torch::Tensor sample_energy;       // [n] float64: f over the model's samples
  torch::Tensor percentile_data;     // [M] float64 in [0,100]: share of the data batch below f(image)
  torch::Tensor percentile_samples;  // [M] float64 in [0,100]: same against the samples
  torch::Tensor chain_x;             // [M,C,H,W] float32 x_K of each image's chain (config.chains)
  torch::Tensor chain_energy;        // [M] float64: f(x_K)
  bool cancelled = false;
};

// images [M,C,H,W] and data [≥n,C,H,W] in [-1,1], at the model's shape (the first n of data
// are used). progress(done, total) over sampling chain-steps. chain_observer (optional) sees
// every step of the images' own chains (config.chains), e.g. to keep their trajectory.
// known_sample_energy (optional, [n]): the sample_energy of an earlier probe with the same model
// and config, reused instead of sampling the n reference chains again.
OodProbeResult probe_images(EnergyModel& model, const torch::Tensor& images, const torch::Tensor& data,
                            const OodProbeConfig& config, const ViewProgress& progress = nullptr,
                            const std::atomic<bool>* cancel = nullptr, const StepObserver& chain_observer = nullptr,
                            const torch::Tensor& known_sample_energy = {});

// Percentage of `reference` below `value`, ties counted half (the mid-rank percentile).
double percentile_rank(double value, const torch::Tensor& reference);

// f(x) for a batch, without gradients, in pieces of 256: float64 [N] on the CPU.
torch::Tensor energies(EnergyModel& model, const torch::Tensor& x);

// The PNG of the view: the images in a row; with chains, x_K of each under it.
torch::Tensor ood_probe_image(const torch::Tensor& images, const OodProbeResult& r);

// The inputs of a probe, read the same way by `shortrun score` and the explorer's OOD view.
// The image files one argument names: the file itself, or a directory's PNG/JPEG/NPY files in
// name order (throws naming the path when a directory has none or cannot be listed).
std::vector<std::string> probe_image_files(const std::string& arg);
struct ProbeImages {
  torch::Tensor images;             // [M,C,H,W] in [-1,1], at the model's shape
  std::vector<std::string> names;   // per image: its path ("path[i]" for the i-th of an NPY batch)
  std::vector<std::string> notes;   // conversions made to fit the model ("name: note")
};
// Every image the arguments name, conformed to `shape`; at most kMaxProbeImages.
constexpr int64_t kMaxProbeImages = 4096;
ProbeImages load_probe_images(const std::vector<std::string>& args, const DataShape& shape);
// The first n images of the data spec's test split at the model's shape (throws when its
// channels differ from the model's).
Dataset load_probe_reference(const std::string& data_spec, const DataShape& shape, int64_t n);

// The `shortrun score` line that writes the view's PNG (--chains) and report; runtime flags
// (--device, --threads) are the caller's to add.
struct ScoreCommand {
  std::string model;                // resolved model path
  std::vector<std::string> images;  // the --images arguments
  std::string data = "fashion-mnist";
  OodProbeConfig probe;
  std::string chains_png;           // --chains (only when probe.chains)
  std::string out_png;              // --out
};
std::string score_command(const ScoreCommand& c);

}  // namespace shortrun

// What the torch worker publishes for the UI thread: plain data, no torch types, so the UI
// never touches a tensor. Large buffers are filled in place; an atomic counter says how much
// of them is complete, so the UI reads finished parts while the worker writes the next.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/sampling/parallel_plan.h"
#include "worker/weights_pick.h"

namespace shortrun::explorer {

// Sampler settings as the UI edits them (mirrors shortrun::SamplerConfig plus the chain count).
struct SamplerSettings {
  int steps = 100;
  float step_size = 1.0f;
  float noise_std = 0.01f;
  std::string init = "uniform";  // uniform | gaussian
  int seed = 1;
  bool clamp = false;
  int chains = 16;
  std::string precision = "exact";  // exact | tf32 | bf16 (SamplerConfig::precision)
  // Metropolis-adjusted Langevin under p(x) ∝ exp(f(x)/temperature) (SamplerConfig::mala); off
  // by default, as the paper's generator is the unadjusted chain. Needs noise > 0 and no clamp.
  bool mala = false;
  float temperature = 1.0f;
  bool operator==(const SamplerSettings& o) const {
    return steps == o.steps && step_size == o.step_size && noise_std == o.noise_std && init == o.init &&
           seed == o.seed && clamp == o.clamp && chains == o.chains && precision == o.precision && mala == o.mala &&
           temperature == o.temperature;
  }
  bool operator!=(const SamplerSettings& o) const { return !(*this == o); }
};
nlohmann::json settings_json(const SamplerSettings& s);

// A batch of images laid out N×H×W×C (channels last, what a texture wants), values in [-1,1].
struct ImageShape {
  int n = 0, c = 1, h = 32, w = 32;
  size_t image_floats() const { return size_t(c) * h * w; }
  size_t floats() const { return size_t(n) * image_floats(); }
};

// Device memory of one frame (CUDA builds): the same NHWC floats, with 3 channels padded to 4
// (what an RGBA32F texture holds), kept alive by `owner`.
struct DeviceFrame {
  const float* data = nullptr;
  int channels = 0;
  std::shared_ptr<const void> owner;
};

// One Langevin run of the Chains panel: scrubbing never re-runs anything. The per-step
// statistics are kept for every step; the images for every `stride`-th step and the last (a
// bounded trajectory, see run_cost.h), the others left empty. Per-step vectors are sized up
// front; entry k is written once, before `ready` passes k.
struct ChainRun {
  uint64_t id = 0;
  SamplerSettings settings;
  bool custom_init = false;   // started from a z sent by the Reconstruct panel
  ImageShape shape;
  std::vector<std::vector<float>> frames;      // [K+1][N·H·W·C]
  std::vector<DeviceFrame> device_frames;      // [K+1], empty unless the model lives on CUDA
  std::vector<std::vector<float>> energy;      // [K+1][N] f(x_k)
  std::vector<std::vector<float>> grad_norm;   // [K+1][N] ‖∇f(x_k)‖
  std::vector<std::vector<float>> delta_norm;  // [K+1][N] ‖x_{k+1} − x_k‖ (0 at k = K)
  std::vector<std::vector<uint8_t>> alive;     // [K+1][N] x_k, f(x_k) and ∇f(x_k) finite (and so far)
  // MALA only (else empty): [K][N] whether the proposal of step k (x_k -> x_{k+1}) was accepted.
  std::vector<std::vector<uint8_t>> accepted;
  std::atomic<int> ready{0};                   // steps 0..ready-1 are complete
  std::atomic<bool> finished{false};
  std::atomic<bool> cancelled{false};
  std::atomic<double> seconds{0.0};            // wall time so far
  int stride = 1;                              // images kept every `stride` steps (and at K)
  std::atomic<int> diverged{0};                // chains that went non-finite so far
  std::atomic<int> first_divergence{-1};       // the first step where a chain went non-finite
  int steps() const { return settings.steps; }
  // The kept image step at or before step k.
  int kept(int k) const { return k >= settings.steps ? settings.steps : k - k % stride; }
};

// f over a batch of real data: the band drawn behind the energy plot.
struct DataBand {
  bool valid = false;
  float mean = 0, std = 0, min = 0, max = 0;
  int count = 0;
  std::string source;  // e.g. "fashion-mnist test, 64 images"
  std::string note;    // why there is no band
};

// What the Model panel shows.
struct ModelInfo {
  uint64_t id = 0;
  std::string path;
  // ebm (an energy model: Langevin chains) | vae | gan (a generator baseline of `shortrun train
  // --model vae|gan`: synthesis, interpolation and reconstruction through generators/generator.h,
  // no energy, no chains).
  std::string kind = "ebm";
  std::string kind_name = "energy model";  // how the UI names the kind: energy model | VAE | GAN
  bool is_ebm() const { return kind == "ebm"; }
  std::string source;        // native | torchscript | state_dict:<layout>
  std::string architecture;  // one line
  int64_t parameters = 0;
  ImageShape shape;          // n = 0
  SamplerSettings defaults;  // the checkpoint's sampler defaults
  nlohmann::json card;       // the full model card
  std::string device;        // cpu | cuda:0
  bool cuda_available = false;
  std::vector<std::string> precisions;  // the precision modes this device can run (exact always)
  int threads = 1;
  DataBand band;
  WeightsPick weights;  // raw or EMA: which file `path` is, and the other one when there is a choice
  // What the CPU thread plan needs of the net (`--parallel`, sampling/parallel_plan.h): measured
  // once at load, so the Model panel prices the plan without touching torch.
  ModelCost cost;
  int64_t chunk = 16;  // the sampler's chains per network evaluation (the checkpoint's)
};

// Generated images along an interpolation path (the live ρ image is a strip of one).
struct InterpResult {
  uint64_t id = 0;
  ImageShape shape;             // n = number of ρ values
  std::vector<float> rho;       // [n]
  std::vector<float> images;    // n images, NHWC
  std::vector<float> energy;    // [n] f(M(z_ρ)); NaN for a VAE or GAN (no energy)
  std::string path, noise;
  std::string kind = "ebm";     // the generator that made it (ModelInfo::kind)
  std::string method;           // what the path moved through, one line (Generator::interpolation_method)
  double seconds = 0;
};

// A reconstruction in progress: the latest iterate and the whole MSE curve so far.
struct ReconRun {
  uint64_t id = 0;
  ImageShape shape;  // n = 1
  int iters = 0;
  std::atomic<int> done{0};     // iterations finished (curve has done+1 valid entries)
  std::atomic<bool> finished{false};
  std::atomic<bool> cancelled{false};
  std::vector<float> curve;     // [iters+1] MSE, written before `done` passes it
  std::vector<float> observed;  // H·W·C
  std::vector<float> mask;      // H·W (1 = observed)
  // The latest reconstruction (copied under the worker's publish lock).
  std::shared_ptr<const std::vector<float>> latest;
  std::vector<float> z;         // final z (H·W·C) once finished, for "show its chain" (EBM only)
  std::string kind = "ebm";     // the generator that reconstructed (ModelInfo::kind)
  int chain = 0;                // the chain whose u_k the reconstruction used (EBM)
  uint64_t seed = 1;
  std::string error;
};

// An image file read and conformed to the model's shape for the Reconstruct canvas.
struct LoadedImage {
  uint64_t id = 0;
  std::string path;
  ImageShape shape;          // n = 1
  std::vector<float> pixels; // H·W·C in [-1,1]
  std::string note;          // what conforming changed ("" if nothing)
};

}  // namespace shortrun::explorer

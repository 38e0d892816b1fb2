// Evaluating a checkpoint: the Fréchet distance between N short-run samples and N test images in
// a feature space, read against its floor (N training images) and ceiling (uniform noise), plus
// mean energies, saturated pixels and the distance of samples to their nearest training image
// (a memorisation check, read against the same distance for test images).
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/training/features.h"
#include "shortrun/training/frechet.h"

namespace shortrun {

struct EvalData {
  torch::Tensor train;  // [M,C,H,W] in [-1,1]
  torch::Tensor test;   // [≥N,C,H,W]
  std::string description;
};

struct EvalOptions {
  int64_t n = 2000;
  uint64_t noise_seed = 12345;  // the uniform-noise ceiling
  bool memorisation = true;     // nearest-training-image distances (N × M distance matrix)
};

// Samples N chains with `sampler` (chains 0..N-1, so the result is reproducible) and returns one
// JSON object: fd, fd_floor_train, fd_ceiling_noise, energy_{data,samples}, saturated_fraction,
// nearest_train_l2 {samples, test}, n, seconds. progress(done, total) reports sampling.
nlohmann::json evaluate_model(EnergyModel& model, const SamplerConfig& sampler, FeatureExtractor& features,
                              const EvalData& data, const EvalOptions& options,
                              const std::function<void(int64_t, int64_t)>& progress = nullptr);

// Chains 0..n-1 of `sampler` (so the result does not depend on n), moved to the CPU: [n,C,H,W].
// progress(done, n) is called after every piece of kEvalPiece chains.
torch::Tensor draw_samples(EnergyModel& model, const SamplerConfig& sampler, int64_t n,
                           const std::function<void(int64_t, int64_t)>& progress = nullptr);

// The chains draw_samples runs in one sampler call: pieces [i·kEvalPiece, (i+1)·kEvalPiece).
constexpr int64_t kEvalPiece = 256;
// Chains [first, first + count) run in the same pieces as draw_samples (a piece cut at first or at
// the end runs its part), so with a --chunk that divides kEvalPiece and a first that is a multiple
// of the chunk (or of kEvalPiece), the rows equal draw_samples' bit for bit: how `eval` splits its
// chains over ranks. progress(done, count).
// `cancel` (checked between steps) stops it early: the rows are then incomplete.
torch::Tensor draw_samples_range(EnergyModel& model, const SamplerConfig& sampler, int64_t first, int64_t count,
                                 const std::function<void(int64_t, int64_t)>& progress = nullptr,
                                 const std::atomic<bool>* cancel = nullptr);

// The checks evaluate_model makes before it samples: --n against both splits, the image shape.
void check_eval_inputs(const EnergyModel& model, const EvalData& data, const EvalOptions& options);

// evaluate_model with its N samples (chains 0..N-1) already drawn, e.g. gathered from ranks;
// sampling_seconds is added to the reported time.
nlohmann::json evaluate_samples(EnergyModel& model, const SamplerConfig& sampler, FeatureExtractor& features,
                                const EvalData& data, const EvalOptions& options, const torch::Tensor& samples,
                                double sampling_seconds);

// Per image of `x` [N,C,H,W], the L2 distance to its nearest image of `ref` [M,C,H,W]: [N].
torch::Tensor nearest_distance(const torch::Tensor& x, const torch::Tensor& ref);

// FD of N samples only (what the trainer computes every few hundred iterations).
double sample_fd(EnergyModel& model, const SamplerConfig& sampler, FeatureExtractor& features,
                 const GaussianStats* test_stats_or_null, const torch::Tensor& test, int64_t n);

}  // namespace shortrun

// A VAE or GAN baseline as a Generator (generator.h): its decoder/generator from z ~ N(0, I)
// addressed by (seed, index), interpolation in z, reconstruction by encoder and/or by gradient
// descent on z (baselines/latent_fit.h). The nets run in evaluation mode.
#pragma once
#include <memory>

#include "shortrun/baselines/baseline_model.h"
#include "shortrun/generators/generator.h"

namespace shortrun {

class BaselineGenerator : public Generator {
 public:
  // Uses `model` (which must outlive this) ...
  explicit BaselineGenerator(BaselineModel& model);
  // ... or owns it.
  explicit BaselineGenerator(std::unique_ptr<BaselineModel> model);

  std::string kind() const override { return model_.spec().kind; }
  std::string summary() const override;
  DataShape shape() const override;
  torch::Device device() const override { return model_.device(); }
  bool has_encoder() const override { return model_.is_vae(); }
  torch::Tensor synthesize(uint64_t seed, const torch::Tensor& indices, const std::atomic<bool>* cancel = nullptr) override;
  InterpolationResult interpolate(const std::vector<Endpoint>& a, const std::vector<Endpoint>& b, const InterpolationSpec& spec,
                                  const std::atomic<bool>* cancel = nullptr, const StepProgress& progress = nullptr) override;
  std::string interpolation_method(const InterpolationSpec& spec) const override;
  GeneratorRecon reconstruct(const torch::Tensor& observed, const torch::Tensor& mask, const GeneratorReconOptions& options,
                             const ReconstructCallback& on_iteration = nullptr, const std::atomic<bool>* cancel = nullptr) override;

  // z of latents (seed, indices[n]): [N, latent] on the model's device.
  torch::Tensor latents(uint64_t seed, const torch::Tensor& indices) const;
  // interpolate() between P pairs of given z ([P, latent] each, e.g. reconstruct()'s fitted z).
  InterpolationResult interpolate_latents(const torch::Tensor& z1, const torch::Tensor& z2, const InterpolationSpec& spec,
                                          const std::atomic<bool>* cancel = nullptr, const StepProgress& progress = nullptr);
  BaselineModel& model() { return model_; }

 private:
  std::unique_ptr<BaselineModel> owned_;
  BaselineModel& model_;
};

}  // namespace shortrun

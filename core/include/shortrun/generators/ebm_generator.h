// The short-run EBM as a Generator (generator.h): its Langevin chain under a SamplerConfig (the
// sampler's seed is replaced by each call's), by today's interpolation and reconstruction.
#pragma once
#include <memory>

#include "shortrun/generators/generator.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"

namespace shortrun {

class EbmGenerator : public Generator {
 public:
  // Uses `model` (which must outlive this) ...
  EbmGenerator(EnergyModel& model, SamplerConfig sampler);
  // ... or owns it.
  EbmGenerator(std::unique_ptr<EnergyModel> model, SamplerConfig sampler);

  std::string kind() const override { return "ebm"; }
  std::string summary() const override;
  DataShape shape() const override { return model_.shape(); }
  torch::Device device() const override { return model_.device(); }
  torch::Tensor synthesize(uint64_t seed, const torch::Tensor& indices, const std::atomic<bool>* cancel = nullptr) override;
  InterpolationResult interpolate(const std::vector<Endpoint>& a, const std::vector<Endpoint>& b, const InterpolationSpec& spec,
                                  const std::atomic<bool>* cancel = nullptr, const StepProgress& progress = nullptr) override;
  std::string interpolation_method(const InterpolationSpec& spec) const override;
  GeneratorRecon reconstruct(const torch::Tensor& observed, const torch::Tensor& mask, const GeneratorReconOptions& options,
                             const ReconstructCallback& on_iteration = nullptr, const std::atomic<bool>* cancel = nullptr) override;

  EnergyModel& model() { return model_; }
  const SamplerConfig& sampler() const { return sampler_; }

 private:
  SamplerConfig with_seed(uint64_t seed) const;
  std::unique_ptr<EnergyModel> owned_;
  EnergyModel& model_;
  SamplerConfig sampler_;
};

}  // namespace shortrun

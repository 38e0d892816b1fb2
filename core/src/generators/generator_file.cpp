// Opening a VAE/GAN checkpoint or an energy model as a Generator (generator_file.h).
#include "shortrun/generators/generator_file.h"

#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/generators/baseline_generator.h"
#include "shortrun/generators/ebm_generator.h"
#include "shortrun/model/model_loader.h"

namespace shortrun {

std::string generator_file_kind(const std::string& path) {
  if (!is_baseline_file(path)) return "ebm";
  return load_baseline_checkpoint(path, torch::kCPU).model->spec().kind;
}

std::unique_ptr<Generator> open_generator(const std::string& path, torch::Device device, const ModelLoadOptions& options) {
  if (is_baseline_file(path)) return std::make_unique<BaselineGenerator>(load_baseline_checkpoint(path, device).model);
  std::unique_ptr<EnergyModel> model = load_energy_model(path, device, options);
  model->set_weights_trainable(false);
  model->train(false);
  const SamplerConfig sampler = model->card().sampler;
  return std::make_unique<EbmGenerator>(std::move(model), sampler);
}

}  // namespace shortrun

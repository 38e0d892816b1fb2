// SamplerSettings -> SamplerConfig (sampler_settings.h).
#include "worker/sampler_settings.h"

#include "shortrun/model/energy_model.h"

namespace shortrun::explorer {

SamplerConfig sampler_config(const SamplerConfig& model_defaults, const SamplerSettings& s) {
  SamplerConfig c = model_defaults;
  c.steps = s.steps;
  c.step_size = s.step_size;
  c.noise_std = s.noise_std;
  c.init = s.init;
  c.seed = static_cast<uint64_t>(s.seed);
  c.clamp = s.clamp;
  c.precision = s.precision;
  c.mala = s.mala;
  c.temperature = s.temperature;
  c.validate();
  return c;
}

SamplerConfig sampler_config(const EnergyModel& model, const SamplerSettings& s) {
  SamplerConfig c = sampler_config(model.card().sampler, s);
  // One batch on a GPU, as the CLI does (cli_common.cpp, open_for_sampling): chunks would run
  // one after another on it.
  if (model.device().is_cuda()) c.chunk = 0;
  return c;
}

}  // namespace shortrun::explorer

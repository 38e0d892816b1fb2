// sampler_config: the model card's sampler with the sidebar's settings on top.
#include "sampler_settings.h"

#include "shortrun/energy_model.h"

namespace shortrun::explorer {

SamplerConfig sampler_config(const EnergyModel& model, const SamplerSettings& s) {
  SamplerConfig c = model.card().sampler;
  c.steps = s.steps;
  c.step_size = s.step_size;
  c.noise_std = s.noise_std;
  c.init = s.init;
  c.seed = static_cast<uint64_t>(s.seed);
  c.clamp = s.clamp;
  c.precision = s.precision;
  c.validate();
  return c;
}

}  // namespace shortrun::explorer

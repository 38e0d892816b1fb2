// The sampler as the UI edits it (SamplerSettings) turned into the core's SamplerConfig: the
// model's own config (chunk, CUDA graph, ...) with the edited fields replaced. The chains worker
// and the views' jobs use this one mapping, so a view runs exactly the Chains tab's sampler.
#pragma once
#include "shortrun/model/sampler_config.h"
#include "worker/snapshots.h"

namespace shortrun {
class EnergyModel;
}

namespace shortrun::explorer {

// Throws shortrun::Error when the result is invalid (e.g. MALA with clamping).
SamplerConfig sampler_config(const SamplerConfig& model_defaults, const SamplerSettings& s);
// The same on top of the model card's sampler.
SamplerConfig sampler_config(const EnergyModel& model, const SamplerSettings& s);

}  // namespace shortrun::explorer

// The sidebar's sampler settings as core's SamplerConfig for a model (torch side): the model
// card's defaults (chunk, MALA, ...) with the settings the user edits on top. The Chains worker
// and the views' jobs use the same mapping, so a view runs exactly the sidebar's chain.
#pragma once
#include "shortrun/sampler_config.h"
#include "snapshots.h"

namespace shortrun {
class EnergyModel;
}

namespace shortrun::explorer {

// Throws shortrun::Error for settings the sampler refuses.
SamplerConfig sampler_config(const EnergyModel& model, const SamplerSettings& s);

}  // namespace shortrun::explorer

// MALA's acceptance in a ChainRun (snapshots.h): the mean rate per step (what the Chains tab
// plots), each chain's rate, and both for state dumps. Plain data, no torch.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "worker/snapshots.h"

namespace shortrun::explorer {

// Steps whose acceptance is recorded so far (0 when the run is not MALA).
int accepted_steps(const ChainRun& run);
// Per step k: the fraction of chains whose proposal x_k -> x_{k+1} was accepted.
std::vector<float> mean_acceptance_per_step(const ChainRun& run);
// Per chain: the fraction of its proposals accepted so far.
std::vector<float> acceptance_per_chain(const ChainRun& run);
// {"accept_rate_mean", "accept_rate_per_step", "accept_rate_per_chain", "steps", "temperature"}.
nlohmann::json mala_acceptance_json(const ChainRun& run);

}  // namespace shortrun::explorer

// Reconstruct's mask presets (center, left, random:P), made by core's make_mask exactly as
// `shortrun reconstruct --mask SPEC` makes them, returned as plain floats so the UI needs no torch.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace shortrun::explorer {

// H·W floats, 1 = observed. random:P hides each pixel with probability P, drawn from `seed` as
// the CLI does (its --seed). A tiny CPU op on an H×W tensor: no model, no worker. Throws
// shortrun::Error for an unknown spec.
std::vector<float> preset_mask(const std::string& spec, int height, int width, uint64_t seed);

// "random:0.3" for P = 0.3 (the CLI's spelling, at most 3 decimals).
std::string random_mask_spec(float p);

}  // namespace shortrun::explorer

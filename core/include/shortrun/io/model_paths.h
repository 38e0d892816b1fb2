// Where models are found: the bundled model and what a user's model argument may name.
#pragma once
#include <string>
#include <vector>

namespace shortrun {

// The bundled model (assets/fmnist.safetensors), looked up next to the executable, in the
// install prefix and in the source tree; throws shortrun::Error if it is nowhere.
std::string default_model_path();
// A file of assets/ (e.g. "fmnist_features.safetensors"), looked up the same way; "" if absent.
std::string find_asset(const std::string& name);
// The bundled models of the paper's comparison (Table 1): the EBM (assets/fmnist.safetensors), the
// VAE (assets/fmnist_vae.safetensors) and the GAN (assets/fmnist_gan.safetensors), in that order;
// throws shortrun::Error naming the first one that is missing.
std::vector<std::string> bundled_comparison_models();
// A model path as given, a run directory (its model.safetensors or checkpoint), or the bundled
// one for "".
std::string resolve_model_path(const std::string& given);

}  // namespace shortrun

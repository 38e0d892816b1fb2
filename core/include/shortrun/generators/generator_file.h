// Opening any generator file: a baseline checkpoint (VAE/GAN, `shortrun train --model vae|gan`)
// or an energy model of any supported format, as a Generator (generator.h).
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

#include "shortrun/generators/generator.h"
#include "shortrun/model/energy_model.h"

namespace shortrun {

// "ebm", "vae" or "gan": what a model file holds (baseline metadata, else an energy model).
std::string generator_file_kind(const std::string& path);

// The file's model on `device`; an EBM samples with the sampler stored in its card. Errors name
// the file (as the loaders do).
std::unique_ptr<Generator> open_generator(const std::string& path, torch::Device device,
                                          const ModelLoadOptions& options = {});

}  // namespace shortrun

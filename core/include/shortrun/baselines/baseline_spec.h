// BaselineSpec: the architecture of a generator baseline (a VAE or a DCGAN-style GAN) as plain
// data with JSON, stored in every baseline checkpoint so a file describes its own nets.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace shortrun {

struct BaselineSpec {
  std::string kind = "vae";  // "vae" (encoder + decoder) | "gan" (generator + discriminator)
  int64_t channels = 1;      // image channels
  int64_t image_size = 32;   // 32 or 64 (square), as the energy nets
  int64_t latent = 100;      // dimension of z ~ N(0, I): DCGAN's 100
  int64_t nf = 32;           // base width: the generator's last hidden stage, the encoder's first
  // VAE only: std of the Gaussian likelihood p(x|z) = N(decoder(z), sigma² I) on [-1,1] pixels.
  double vae_sigma = 0.2;

  void validate() const;     // throws shortrun::Error naming the field that is out of range
  std::string summary() const;  // e.g. "vae z=100 n_f=32, 1x32x32"
  // Upsampling (generator) / downsampling (encoder) stages of stride 2 between 4x4 and the image.
  int64_t stages() const { return image_size == 64 ? 4 : 3; }
};

void to_json(nlohmann::json& j, const BaselineSpec& s);
void from_json(const nlohmann::json& j, BaselineSpec& s);  // validates; throws shortrun::Error

}  // namespace shortrun

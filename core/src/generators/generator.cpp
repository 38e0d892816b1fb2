// What the three generators share (generator.h): images of a range of latents, kind names and an
// interpolation spec's ρ values.
#include "shortrun/generators/generator.h"

#include <algorithm>

namespace shortrun {

torch::Tensor synthesize_range(Generator& generator, uint64_t seed, int64_t first, int64_t n,
                               const std::function<void(int64_t, int64_t)>& progress, const std::atomic<bool>* cancel) {
  std::vector<torch::Tensor> parts;
  for (int64_t done = 0; done < n; done += 256) {
    const int64_t m = std::min<int64_t>(256, n - done);
    const torch::Tensor x = generator.synthesize(seed, chain_range(first + done, m, generator.device()), cancel);
    if (!x.defined()) return torch::Tensor();
    parts.push_back(x.to(torch::kCPU));
    if (progress) progress(done + m, n);
  }
  return torch::cat(parts);
}

std::string generator_kind_name(const std::string& kind) {
  if (kind == "ebm") return "short-run EBM";
  if (kind == "vae") return "VAE";
  if (kind == "gan") return "GAN";
  return kind;
}

std::vector<double> interpolation_rhos(const InterpolationSpec& spec) {
  if (!spec.rhos.empty()) return spec.rhos;
  std::vector<double> rhos;
  for (int64_t r = 0; r < spec.points; ++r) rhos.push_back(spec.points == 1 ? 0.0 : double(r) / double(spec.points - 1));
  return rhos;
}

}  // namespace shortrun

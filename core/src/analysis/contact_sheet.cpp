// run_contact_sheet: per step size, one chain run (plus the FD chains) observed at each K.
#include "shortrun/analysis/contact_sheet.h"

#include <algorithm>
#include <cmath>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/image_io.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

void ContactSheetConfig::validate() const {
  SamplerConfig s = sampler;
  s.validate();
  if (steps.empty() || steps.size() > 64) throw Error("contact sheet: expected 1..64 values of K");
  if (step_sizes.empty() || step_sizes.size() > 64) throw Error("contact sheet: expected 1..64 step sizes");
  for (int64_t k : steps)
    if (k < 0 || k > 100000) throw Error("contact sheet: K=" + std::to_string(k) + "; expected 0..100000");
  for (double h : step_sizes)
    if (!std::isfinite(h) || h < 0) throw Error("contact sheet: step sizes must be finite and >= 0");
  if (chain < 0) throw Error("contact sheet: chain must be >= 0");
  if (fd_n < 0 || fd_n == 1 || fd_n > 100000) throw Error("contact sheet: FD samples must be 0 (none) or 2..100000");
}

void to_json(nlohmann::json& j, const ContactSheetConfig& c) {
  j = {{"sampler", c.sampler}, {"steps", c.steps}, {"step_sizes", c.step_sizes}, {"chain", c.chain}, {"fd_n", c.fd_n}};
}

void from_json(const nlohmann::json& j, ContactSheetConfig& c) {
  if (!j.is_object()) throw Error("contact-sheet settings are not a JSON object");
  if (j.contains("sampler")) c.sampler = j.at("sampler").get<SamplerConfig>();
  c.steps = json_get(j, "steps", c.steps);
  c.step_sizes = json_get(j, "step_sizes", c.step_sizes);
  c.chain = json_get(j, "chain", c.chain);
  c.fd_n = json_get(j, "fd_n", c.fd_n);
  c.validate();
}

ContactSheetResult run_contact_sheet(EnergyModel& model, const ContactSheetConfig& config, const FdCriterion* fd,
                                     const ViewProgress& progress, const std::atomic<bool>* cancel,
                                     const ContactSheetCellDone& cell_done) {
  config.validate();
  if (config.fd_n > 0 && !fd) throw Error("contact sheet: FD per cell asked for without a criterion");
  const int64_t rows = static_cast<int64_t>(config.steps.size()), cols = static_cast<int64_t>(config.step_sizes.size());
  const int64_t k_max = *std::max_element(config.steps.begin(), config.steps.end());
  const int64_t chunk = config.sampler.chunk;
  // The shown chain runs at the same position of its evaluation chunk as in `shortrun sample`
  // (chains from 0), so it is bit-identical to it; with FD, chains 0..fd_n-1 run beside it.
  int64_t first = 0, count = config.chain + 1;
  if (config.fd_n > 0) count = std::max(config.fd_n, config.chain + 1);
  else if (chunk > 0) first = config.chain - config.chain % chunk, count = config.chain - first + 1;
  const int64_t shown = config.chain - first;
  const auto shape = model.shape().chw();

  ContactSheetResult r;
  r.images = torch::zeros({rows, cols, shape[0], shape[1], shape[2]});
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  r.energy = torch::full({rows, cols}, std::nan(""), f64);
  r.grad_norm = torch::full({rows, cols}, std::nan(""), f64);
  r.saturated = torch::full({rows, cols}, std::nan(""), f64);
  r.fd = torch::full({rows, cols}, std::nan(""), f64);
  const int64_t total = cols * k_max * count;
  for (int64_t c = 0; c < cols && !r.cancelled; ++c) {
    SamplerConfig s = config.sampler;
    s.steps = k_max;
    s.step_size = config.step_sizes[c];
    const LangevinSampler sampler(model, s);
    const SampleResult res = sampler.run(chain_range(first, count, model.device()), std::nullopt, [&](const StepInfo& info) {
      for (int64_t row = 0; row < rows; ++row) {
        if (config.steps[row] != info.step) continue;
        r.images[row][c].copy_(info.x[shown].detach().to(torch::kCPU, torch::kFloat32));
        r.energy[row][c] = info.energy[shown].item<double>();
        r.grad_norm[row][c] = info.grad_norm[shown].item<double>();
        r.saturated[row][c] = saturated_fraction(info.x.narrow(0, shown, 1))[0].item<double>();
        if (config.fd_n > 0)
          r.fd[row][c] = fd->fd(info.x.narrow(0, 0, config.fd_n).detach().to(torch::kCPU, torch::kFloat32));
        if (cell_done) cell_done(r, row, c);
      }
      if (progress) progress((c * k_max + info.step) * count, total);
    }, cancel);
    r.cancelled = res.cancelled;
  }
  return r;
}

torch::Tensor contact_sheet_image(const ContactSheetResult& r) {
  return make_grid(r.images.flatten(0, 1), r.images.size(1));
}

}  // namespace shortrun

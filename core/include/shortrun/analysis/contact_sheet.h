// K × step-size contact sheet from one z: row r is K = steps[r], column c is step size
// step_sizes[c], every cell the same chain (same z, same noise seed). Each cell is exactly what
// `shortrun sample` gives for that chain, K and step size. Optionally the FD of N samples per
// cell under tune-sampler's criterion (fd_criterion.h).
#pragma once
#include <atomic>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shortrun/analysis/view_common.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/model/sampler_config.h"
#include "shortrun/training/fd_criterion.h"

namespace shortrun {

struct ContactSheetConfig {
  SamplerConfig sampler;  // seed, noise, init, chunk, ...; its steps and step_size are replaced per cell
  std::vector<int64_t> steps = {10, 25, 50, 100, 200};
  std::vector<double> step_sizes = {0.25, 0.5, 1, 2};
  int64_t chain = 0;      // the chain (z and u_k) every cell shows
  int64_t fd_n = 0;       // FD of chains 0..fd_n-1 per cell (0: none)
  void validate() const;  // throws shortrun::Error
};
void to_json(nlohmann::json& j, const ContactSheetConfig& c);
void from_json(const nlohmann::json& j, ContactSheetConfig& c);

struct ContactSheetResult {
  torch::Tensor images;     // [R,S,C,H,W] float32 CPU: R = steps.size(), S = step_sizes.size()
  torch::Tensor energy;     // [R,S] float64: f of the shown chain at the cell
  torch::Tensor grad_norm;  // [R,S] float64
  torch::Tensor saturated;  // [R,S] float64: saturated fraction of the shown image
  torch::Tensor fd;         // [R,S] float64; NaN where not measured
  bool cancelled = false;
};

// Called on the running thread each time a cell is filled, with the sheet so far (cells not
// yet reached: zero images, NaN readings): a viewer can show the sheet filling in.
using ContactSheetCellDone = std::function<void(const ContactSheetResult& so_far, int64_t row, int64_t col)>;

// One run per step size to the largest K, observed at every K of the list (the noise is
// addressed by step, so x_K of a longer run is x_K of a K-step run). With fd_n > 0, `fd` must
// be given. progress(chain-steps done, total); cancel is checked between steps.
ContactSheetResult run_contact_sheet(EnergyModel& model, const ContactSheetConfig& config,
                                     const FdCriterion* fd = nullptr, const ViewProgress& progress = nullptr,
                                     const std::atomic<bool>* cancel = nullptr, const ContactSheetCellDone& cell_done = nullptr);

// The sheet as one image: rows K, columns step sizes ([C,H,W] in [-1,1]).
torch::Tensor contact_sheet_image(const ContactSheetResult& r);

}  // namespace shortrun

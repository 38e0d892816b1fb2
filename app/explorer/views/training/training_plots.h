// The Training tab's curves as plots.h series: a run's logged values (at their iterations) put
// on one even grid of iterations, so every panel shares its x axis and the rollback markers;
// sparse series (the evaluation FD) are joined between their points, as `shortrun plot` draws
// them. The same panels and series as `shortrun plot` (app/cli/cmd_plot.cpp).
#pragma once
#include <string>
#include <vector>

#include "views/run_data/iteration_grid.h"
#include "views/run_data/run_watch.h"
#include "widgets/plots.h"

namespace shortrun::explorer {

struct TrainingPlots {
  static constexpr int kMaxPoints = IterationGrid::kMaxPoints;  // longer runs are thinned to this many grid points
  int x_count = 0;      // grid points: iteration = index * x_scale
  int x_scale = 1;
  std::vector<int> rollbacks;  // grid indices of watchdog rollbacks
  std::vector<PlotSeries> energy, gap, gradient, saturation, lr, fd;
  std::vector<PlotSeries> profiles;  // mean ‖x_{k+1} − x_k‖ per bin of k, early (light) to late (dark)
  int profile_bins = 0;
  std::string best_fd;  // "best FD 123.4 at iteration 500" ("" without evaluations)
  double best_fd_value = 0;
  int64_t best_fd_iteration = -1;
};

TrainingPlots make_training_plots(const RunSnapshot& run);

}  // namespace shortrun::explorer

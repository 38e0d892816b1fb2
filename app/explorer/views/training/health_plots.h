// The Training tab's long-run health and replay-buffer curves as plots.h series, on the same
// iteration grid as its other curves (training_plots.h): the energy drift f(x_K2) - f(x_K) with
// its 10th..90th percentile band, short- vs long-run FD and energy, saturation, and a persistent
// run's buffer ages and re-initialisations over iterations.
#pragma once
#include <string>
#include <vector>

#include "views/run_data/iteration_grid.h"
#include "views/run_data/run_watch.h"
#include "widgets/plots.h"

namespace shortrun::explorer {

struct HealthPlots {
  int checks = 0;       // long_run lines kept (thinned past RunSnapshot::kMaxPoints)
  int fd_checks = 0;    // of them with both FDs
  std::vector<PlotSeries> drift, fd, energy, saturation;
  std::string last;     // the newest check in words ("" without any)
  // Buffer statistics (persistent runs).
  int buffer_points = 0;
  std::vector<PlotSeries> ages, reinit;
  std::string buffer_last;  // the newest buffer line in words
};

HealthPlots make_health_plots(const RunSnapshot& run, const IterationGrid& grid);

// What convergent and non-convergent look like on these plots: a short caption and its longer
// explanation (the caption's tooltip).
const char* health_caption();
const char* health_explanation();

}  // namespace shortrun::explorer

// The Runs tab's curves: the Training tab's metrics for several runs at once, one panel per
// metric with one line per run in the run's colour, all on one iteration grid (iteration_grid.h)
// that covers the longest run. A panel is there when some run logged the metric.
#pragma once
#include <string>
#include <vector>

#include "views/run_data/iteration_grid.h"
#include "views/run_data/run_watch.h"
#include "widgets/plots.h"

namespace shortrun::explorer {

struct CurvesOfRun {
  const RunSnapshot* run = nullptr;
  ImU32 color = IM_COL32(200, 200, 200, 255);
  std::string name;
};

struct CompareMetric {
  std::string key;    // the metrics.jsonl key ("f_data"), "fd" for the evaluation events
  std::string title;  // "f(data)"
  bool log_y = false;
  std::vector<PlotSeries> series;  // one per run that logged it, named by the run
};

struct ComparePlots {
  int x_count = 0, x_scale = 1;
  std::vector<CompareMetric> metrics;  // on the iteration grid, in a fixed order
  CompareMetric profile;               // each run's newest step-length profile, over bins of k
  int profile_bins = 0;                // 0: no run logged one
};

ComparePlots make_compare_plots(const std::vector<CurvesOfRun>& runs);

}  // namespace shortrun::explorer

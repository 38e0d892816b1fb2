// One even grid of iterations for plots of runs' logged values: each value placed at its
// iteration's grid point, points between two logged ones joined, so several panels (or several
// runs) share one x axis. Used by the Training tab (one run) and the Runs tab (several).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "widgets/plots.h"

namespace shortrun::explorer {

using IterationPoints = std::vector<std::pair<double, double>>;  // (iteration, value)

struct IterationGrid {
  static constexpr int kMaxPoints = 3000;  // longer runs are thinned to this many grid points
  int scale = 1, count = 0;                // grid point i is iteration i * scale
  // The grid for iterations 0..last logged every `interval`, thinned to at most kMaxPoints.
  static IterationGrid covering(int64_t last, int interval);
  // NaN lands on 0; anything past the ends on the ends (a file's iterations can be anything).
  int index(double iteration) const;
};

// The logging interval: the most common positive step between consecutive points (1 if none).
int log_interval(const IterationPoints& points);

// Values at their grid index; indices no point reached are filled by joining their neighbours
// (never beyond the first or last point), non-finite logged values stay gaps.
PlotSeries place_on_grid(const IterationGrid& g, const IterationPoints& points, ImU32 color, const std::string& name,
                         float thickness = 1.5f);

}  // namespace shortrun::explorer

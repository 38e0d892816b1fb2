// IterationGrid, log_interval and place_on_grid (see iteration_grid.h).
#include "views/run_data/iteration_grid.h"

#include <algorithm>
#include <cmath>

namespace shortrun::explorer {

IterationGrid IterationGrid::covering(int64_t last_iteration, int interval) {
  IterationGrid g;
  g.scale = std::max(1, interval);
  // Iterations past 2·10^9 are a broken or hostile file: the axis (int ticks) stops there.
  const int64_t last = std::clamp<int64_t>(last_iteration, 1, int64_t(2e9));
  // Thinned to at most kMaxPoints (the placed value is the last one landing on a point).
  if (last / g.scale + 1 > kMaxPoints)
    g.scale = int(std::min<int64_t>(int64_t(g.scale) * ((last / g.scale + kMaxPoints) / kMaxPoints), 1 << 30));
  g.count = int(last / g.scale) + 1;
  return g;
}

int IterationGrid::index(double iteration) const {
  const double i = std::round(iteration / scale);
  return !(i > 0) ? 0 : i >= double(count - 1) ? std::max(0, count - 1) : int(i);
}

int log_interval(const IterationPoints& p) {
  std::vector<int> steps;
  for (size_t i = 1; i < p.size(); ++i) {
    const double d = std::round(p[i].first - p[i - 1].first);
    if (d > 0 && d < 1e9) steps.push_back(int(d));
  }
  if (steps.empty()) return 1;
  std::sort(steps.begin(), steps.end());
  int best = steps[0], best_n = 0;
  for (size_t i = 0; i < steps.size();) {
    size_t j = i;
    while (j < steps.size() && steps[j] == steps[i]) ++j;
    if (int(j - i) > best_n) best = steps[i], best_n = int(j - i);
    i = j;
  }
  return best;
}

PlotSeries place_on_grid(const IterationGrid& g, const IterationPoints& points, ImU32 color, const std::string& name,
                         float thickness) {
  PlotSeries s;
  s.color = color;
  s.name = name;
  s.thickness = thickness;
  s.y.assign(size_t(g.count), NAN);
  std::vector<char> reached(size_t(g.count), 0);
  for (const auto& [it, v] : points) {
    const int i = g.index(it);
    s.y[size_t(i)] = float(v);
    reached[size_t(i)] = 1;
  }
  int last = -1;
  for (int i = 0; i < g.count; ++i) {
    if (!reached[size_t(i)]) continue;
    if (last >= 0 && i - last > 1 && std::isfinite(s.y[size_t(last)]) && std::isfinite(s.y[size_t(i)]))
      for (int j = last + 1; j < i; ++j) {
        const float t = float(j - last) / float(i - last);
        s.y[size_t(j)] = s.y[size_t(last)] * (1 - t) + s.y[size_t(i)] * t;
      }
    last = i;
  }
  return s;
}

}  // namespace shortrun::explorer

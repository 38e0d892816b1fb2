// make_training_plots: choose the iteration grid, place each series on it, join sparse ones.
#include "training_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

namespace {

using Points = std::vector<std::pair<double, double>>;

struct Grid {
  int scale = 1, count = 0;
  // NaN lands on 0; anything past the ends on the ends (a file's iterations can be anything).
  int index(double iteration) const {
    const double i = std::round(iteration / scale);
    return !(i > 0) ? 0 : i >= double(count - 1) ? std::max(0, count - 1) : int(i);
  }
};

// Values at their grid index; indices no point reached are filled by joining their neighbours
// (never beyond the first or last point), non-finite logged values stay gaps.
PlotSeries place(const Grid& g, const Points& points, ImU32 color, const std::string& name, float thickness = 1.5f) {
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

const Points& series(const RunSnapshot& run, const char* key) {
  static const Points none;
  const auto it = run.curves.series.find(key);
  return it == run.curves.series.end() ? none : it->second.items();
}

// The logging interval: the most common positive step between consecutive regular lines.
int log_interval(const Points& p) {
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

}  // namespace

TrainingPlots make_training_plots(const RunSnapshot& run) {
  TrainingPlots p;
  Grid g;
  g.scale = log_interval(series(run, "f_data"));
  // Iterations past 2·10^9 are a broken or hostile file: the axis (int ticks) stops there.
  const int64_t last = std::clamp<int64_t>(run.last_iteration, 1, int64_t(2e9));
  // Thinned to at most kMaxPoints (the placed value is the last one landing on a point).
  if (last / g.scale + 1 > TrainingPlots::kMaxPoints)
    g.scale = int(std::min<int64_t>(int64_t(g.scale) * ((last / g.scale + TrainingPlots::kMaxPoints) / TrainingPlots::kMaxPoints), 1 << 30));
  g.count = int(last / g.scale) + 1;
  p.x_scale = g.scale;
  p.x_count = g.count;
  // Rollback markers: one per grid point, however many lines say so (a red line per rollback
  // line, redrawn in five plots every frame, was what made 10,000 rollbacks cost 0.6 s a frame).
  for (double r : run.rollbacks.items())
    if (std::isfinite(r)) p.rollbacks.push_back(g.index(r));
  std::sort(p.rollbacks.begin(), p.rollbacks.end());
  p.rollbacks.erase(std::unique(p.rollbacks.begin(), p.rollbacks.end()), p.rollbacks.end());

  p.energy = {place(g, series(run, "f_data"), IM_COL32(90, 160, 240, 255), "f(data)"),
              place(g, series(run, "f_samples"), IM_COL32(240, 150, 60, 255), "f(samples)")};
  p.gap = {place(g, series(run, "gap"), IM_COL32(90, 200, 110, 255), "f(data) - f(samples)")};
  Points k[3];
  for (const auto& [it, v] : run.grad_k.items())
    for (int i = 0; i < 3; ++i) k[i].emplace_back(it, v[size_t(i)]);
  p.gradient = {place(g, series(run, "grad_norm"), IM_COL32(190, 120, 240, 255), "mean", 2.0f),
                place(g, k[0], IM_COL32(80, 190, 230, 255), "k = 0"), place(g, k[1], IM_COL32(230, 170, 60, 255), "k = K/2"),
                place(g, k[2], IM_COL32(230, 80, 150, 255), "k = K")};
  p.saturation = {place(g, series(run, "saturated"), IM_COL32(200, 200, 90, 255), "saturated")};
  p.lr = {place(g, series(run, "lr"), IM_COL32(180, 180, 180, 255), "learning rate")};

  const Points& fd = run.fd.items();
  p.fd = {place(g, fd, IM_COL32(240, 80, 90, 255), "FD", 2.0f)};
  size_t best = fd.size();
  for (size_t i = 0; i < fd.size(); ++i)
    if (std::isfinite(fd[i].second) && (best == fd.size() || fd[i].second < fd[best].second)) best = i;
  if (best < fd.size()) {
    p.best_fd_value = fd[best].second;
    p.best_fd_iteration = std::isfinite(fd[best].first) ? int64_t(std::clamp(fd[best].first, -9e18, 9e18)) : -1;
    char line[96];
    std::snprintf(line, sizeof line, "best FD %.4g at iteration %lld", p.best_fd_value, static_cast<long long>(p.best_fd_iteration));
    p.best_fd = line;
    p.fd.push_back(place(g, {fd[best]}, IM_COL32(255, 215, 0, 255), "", 5.0f));  // unnamed: not in the hover read-out
  }

  // Up to five step-length profiles spread over the run, light (early) to dark (late).
  const size_t n = run.step_profiles.size(), shown = std::min<size_t>(5, n);
  for (size_t i = 0; i < shown; ++i) {
    const auto& [it, v] = run.step_profiles.items()[shown == 1 ? n - 1 : i * (n - 1) / (shown - 1)];
    const float t = shown == 1 ? 1.0f : float(i) / float(shown - 1);
    PlotSeries s;
    s.color = IM_COL32(int(200 - 150 * t), int(220 - 120 * t), 255, 255);
    s.thickness = 1.5f;
    s.name = "it " + std::to_string(int64_t(it));
    for (double b : v) s.y.push_back(float(b));
    p.profile_bins = std::max(p.profile_bins, int(v.size()));
    p.profiles.push_back(std::move(s));
  }
  return p;
}

}  // namespace shortrun::explorer

// make_training_plots: choose the iteration grid (iteration_grid.h), place each series on it.
#include "views/training/training_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

namespace {

using Points = IterationPoints;

const Points& series(const RunSnapshot& run, const char* key) {
  static const Points none;
  const auto it = run.curves.series.find(key);
  return it == run.curves.series.end() ? none : it->second.items();
}

PlotSeries place(const IterationGrid& g, const Points& points, ImU32 color, const std::string& name, float thickness = 1.5f) {
  return place_on_grid(g, points, color, name, thickness);
}

}  // namespace

TrainingPlots make_training_plots(const RunSnapshot& run) {
  TrainingPlots p;
  const IterationGrid g = IterationGrid::covering(run.last_iteration, log_interval(series(run, "f_data")));
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

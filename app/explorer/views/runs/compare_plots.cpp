// make_compare_plots: the shared grid (the finest logging interval, the longest run), then each
// metric's line per run.
#include "views/runs/compare_plots.h"

#include <algorithm>

namespace shortrun::explorer {

namespace {

struct MetricSpec {
  const char* key;
  const char* title;
  bool log_y;
};

// The Training tab's panels (training_plots.h), one number each, and the 2-D runs' KL and MMD.
const MetricSpec kMetrics[] = {
    {"f_data", "f(data)", false},
    {"f_samples", "f(samples)", false},
    {"gap", "gap f(data) - f(samples)", false},
    {"grad_norm", "mean |grad f| along the chain (log)", true},
    {"saturated", "saturated pixels, |x| >= 0.99", false},
    {"lr", "learning rate (log)", true},
    {"fd", "evaluation FD", false},
    {"kl", "KL to the target (2-D runs)", false},
    {"mmd", "MMD to the target (2-D runs)", false},
};

const IterationPoints& points(const RunSnapshot& run, const std::string& key) {
  static const IterationPoints none;
  if (key == "fd") return run.fd.items();
  const auto it = run.curves.series.find(key);
  return it == run.curves.series.end() ? none : it->second.items();
}

}  // namespace

ComparePlots make_compare_plots(const std::vector<CurvesOfRun>& runs) {
  ComparePlots p;
  int64_t last = 1;
  int interval = 0;
  for (const CurvesOfRun& r : runs) {
    if (!r.run) continue;
    last = std::max(last, r.run->last_iteration);
    const IterationPoints& f = points(*r.run, "f_data");
    if (f.size() > 1) interval = interval == 0 ? log_interval(f) : std::min(interval, log_interval(f));
  }
  const IterationGrid g = IterationGrid::covering(last, std::max(1, interval));
  p.x_count = g.count;
  p.x_scale = g.scale;
  for (const MetricSpec& m : kMetrics) {
    CompareMetric metric{m.key, m.title, m.log_y, {}};
    for (const CurvesOfRun& r : runs) {
      if (!r.run) continue;
      const IterationPoints& pts = points(*r.run, m.key);
      if (pts.empty()) continue;
      metric.series.push_back(place_on_grid(g, pts, r.color, r.name, m.key == std::string("fd") ? 2.0f : 1.5f));
    }
    // f(data) stays even when empty: the tab always has a panel to show where curves will be.
    if (!metric.series.empty() || m.key == std::string("f_data")) p.metrics.push_back(std::move(metric));
  }
  p.profile = {"step_norm_profile", "|x_k+1 - x_k| over k, newest (log)", true, {}};
  for (const CurvesOfRun& r : runs) {
    if (!r.run || r.run->step_profiles.size() == 0) continue;
    const auto& [it, v] = r.run->step_profiles.items().back();
    PlotSeries s;
    s.color = r.color;
    s.thickness = 1.5f;
    s.name = r.name;
    for (double b : v) s.y.push_back(float(b));
    p.profile_bins = std::max(p.profile_bins, int(v.size()));
    p.profile.series.push_back(std::move(s));
  }
  return p;
}

}  // namespace shortrun::explorer

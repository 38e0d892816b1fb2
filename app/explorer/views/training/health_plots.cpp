// make_health_plots: the long_run events and buffer statistics of a RunSnapshot placed on the
// tab's iteration grid (health_plots.h).
#include "views/training/health_plots.h"

#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

namespace {

template <class T, class Field>
IterationPoints points(const std::vector<T>& items, Field field) {
  IterationPoints p;
  p.reserve(items.size());
  for (const T& it : items) p.emplace_back(it.iteration, field(it));
  return p;
}

}  // namespace

const char* health_caption() {
  return "Convergent: long-run FD near the short-run FD, small drift. Non-convergent: the drift grows and the long-run FD "
         "rises above the short one (hover for more).";
}

const char* health_explanation() {
  return "Convergent: chains continued from K to K2 steps stay realistic, so the long-run FD stays near the short-run FD "
         "and the drift f(x_K2) - f(x_K) stays small. Non-convergent (the paper's short-run models): only the K-step "
         "chain is a good generator; continued, the chains keep climbing f, the drift grows, pixels saturate and the "
         "long-run FD rises far above the short-run one.";
}

HealthPlots make_health_plots(const RunSnapshot& run, const IterationGrid& g) {
  HealthPlots h;
  const std::vector<LongRunPoint>& lr = run.long_run.items();
  h.checks = int(lr.size());
  const ImU32 short_c = IM_COL32(90, 160, 240, 255), long_c = IM_COL32(240, 110, 80, 255);
  PlotSeries drift = place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.drift; }), IM_COL32(230, 200, 80, 255),
                                   "mean", 2.0f);
  drift.band_lo = place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.drift_p10; }), 0, "").y;
  drift.band_hi = place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.drift_p90; }), 0, "").y;
  PlotSeries zero;
  zero.y.assign(size_t(std::max(g.count, 0)), 0.0f);
  zero.color = IM_COL32(120, 120, 130, 160);
  h.drift = {zero, drift};
  h.fd = {place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.fd_short; }), short_c, "FD short (K)", 2.0f),
          place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.fd_long; }), long_c, "FD long (K2)", 2.0f)};
  h.energy = {place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.energy_short; }), short_c, "f(x_K)", 2.0f),
              place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.energy_long; }), long_c, "f(x_K2)", 2.0f)};
  h.saturation = {
      place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.saturated_short; }), short_c, "at K", 1.5f),
      place_on_grid(g, points(lr, [](const LongRunPoint& p) { return p.saturated_long; }), long_c, "at K2", 1.5f)};
  for (const LongRunPoint& p : lr) h.fd_checks += std::isfinite(p.fd_short) && std::isfinite(p.fd_long) ? 1 : 0;
  if (!lr.empty()) {
    const LongRunPoint& p = lr.back();
    char line[320];
    const int n = std::snprintf(line, sizeof line, "newest check: iteration %.0f, %.0f chains from K=%.0f to K2=%.0f steps (%.1f s): drift %+.4g (10%%..90%%: %+.3g to %+.3g)",
                                p.iteration, p.chains, p.k, p.k2, p.seconds, p.drift, p.drift_p10, p.drift_p90);
    if (std::isfinite(p.fd_short) && std::isfinite(p.fd_long) && n > 0 && size_t(n) < sizeof line)
      std::snprintf(line + n, sizeof line - size_t(n), "; FD %.4g short, %.4g long", p.fd_short, p.fd_long);
    h.last = line;
  }

  const std::vector<BufferStats>& bs = run.buffer.items();
  h.buffer_points = int(bs.size());
  h.ages = {place_on_grid(g, points(bs, [](const BufferStats& b) { return b.mean_age; }), IM_COL32(120, 200, 140, 255), "mean age", 2.0f),
            place_on_grid(g, points(bs, [](const BufferStats& b) { return b.max_age; }), IM_COL32(200, 200, 200, 200), "max age", 1.0f)};
  h.reinit = {place_on_grid(g, points(bs, [](const BufferStats& b) { return b.reinit_total; }), IM_COL32(220, 130, 220, 255),
                            "re-initialised in all", 2.0f)};
  if (!bs.empty()) {
    const BufferStats& b = bs.back();
    char line[200];
    std::snprintf(line, sizeof line, "iteration %.0f: mean age %.3g, max age %.0f; %.0f re-initialised at it, %.0f in all",
                  b.iteration, b.mean_age, b.max_age, b.reinit, b.reinit_total);
    h.buffer_last = line;
  }
  return h;
}

}  // namespace shortrun::explorer

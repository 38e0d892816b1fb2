// `shortrun plot RUN_DIR --out curves.png`: the run's metrics.jsonl as a picture — energies of
// data and samples, their gap, the gradient norm along the chain (mean and at k = 0, K/2, K),
// the step-length profile over k, saturated pixels, learning rate, the evaluation FD (best
// marked) — with rollbacks of the divergence watchdog drawn across the iteration panels.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "cli_common.h"
#include "raster.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

namespace shortrun::cli {

namespace {

struct Series {
  std::vector<double> x, y;
  Rgb color;
  std::string name;
};

// Numbers per key, for the progress lines (no "event") and for the long-run events.
using Curves = std::map<std::string, Series>;

struct Metrics {
  Curves logged, long_run;
  Series fd{{}, {}, {200, 40, 60}, "FD (eval)"};
  // Anatomy diagnostics (runs trained before they existed leave these empty).
  Series grad_k[3] = {{{}, {}, {60, 160, 200}, "k = 0"}, {{}, {}, {210, 140, 40}, "k = K/2"}, {{}, {}, {200, 50, 120}, "k = K"}};
  std::vector<std::pair<double, std::vector<double>>> profiles;  // (iteration, mean |x_{k+1} - x_k| per bin)
  std::vector<double> rollbacks;
  double max_iter = 0;
  size_t progress_lines = 0;
};

// x range and vertical markers of a panel.
struct XAxis {
  double max = 1;
  const std::vector<double>* marks = nullptr;
};

Metrics read_metrics(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw file_error(path, "cannot open (is this a run directory made by `shortrun train`?)");
  Metrics m;
  std::string line;
  int64_t lineno = 0, good = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      throw file_error(path, "line " + std::to_string(lineno) + " is not JSON");
    }
    if (!j.is_object()) throw file_error(path, "line " + std::to_string(lineno) + " is not a JSON object");
    const auto num = [&](const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN; };
    const double it = std::isfinite(num("iteration")) ? num("iteration") : 0.0;
    m.max_iter = std::max(m.max_iter, it);
    const std::string event = j.contains("event") && j["event"].is_string() ? j["event"].get<std::string>() : "";
    const auto keep_numbers = [&](Curves& into) {
      for (const auto& [k, v] : j.items()) {
        if (k == "iteration" || !(v.is_number() || v.is_null())) continue;
        Series& s = into[k];
        s.x.push_back(it);
        s.y.push_back(v.is_number() ? v.get<double>() : NAN);
      }
    };
    if (event == "eval") {
      m.fd.x.push_back(it);
      m.fd.y.push_back(num("fd"));
    } else if (event == "rollback") {
      m.rollbacks.push_back(it);
    } else if (event == "long_run") {
      keep_numbers(m.long_run);
    } else if (event.empty()) {
      keep_numbers(m.logged);
      ++m.progress_lines;
      const auto numbers = [&](const char* k) {
        std::vector<double> v;
        if (j.contains(k) && j[k].is_array())
          for (const auto& e : j[k]) v.push_back(e.is_number() ? e.get<double>() : NAN);
        return v;
      };
      const std::vector<double> gk = numbers("grad_norm_k");
      if (gk.size() == 3)
        for (int i = 0; i < 3; ++i) {
          m.grad_k[i].x.push_back(it);
          m.grad_k[i].y.push_back(gk[size_t(i)]);
        }
      std::vector<double> prof = numbers("step_norm_profile");
      if (!prof.empty()) m.profiles.emplace_back(it, std::move(prof));
    }
    ++good;
  }
  if (good == 0) throw file_error(path, "has no logged iterations yet");
  return m;
}

// One panel of the figure: a title, the keys it draws (with their legend names), a log axis.
struct PanelSpec {
  std::string title;
  std::vector<std::pair<std::string, std::string>> keys;  // (metrics key, legend name)
  bool log_y = false;
};

// What each kind of run logs (README "Training" and "Baselines"): the EBM's energies and chain
// diagnostics, the VAE's ELBO terms, the GAN's two losses and the discriminator's outputs.
std::vector<PanelSpec> panels_for(const std::string& kind) {
  if (kind == "vae")
    return {{"-ELBO (nats per image)", {{"loss", "-ELBO"}, {"recon", "reconstruction"}, {"kl", "KL(q(z|x) || p(z))"}}, true},
            {"pixel MSE of reconstructions", {{"mse", "MSE"}}, true},
            {"lr", {{"lr", "learning rate"}}, true}};
  if (kind == "gan")
    return {{"losses", {{"d_loss", "discriminator"}, {"g_loss", "generator (non-saturating)"}}, true},
            {"discriminator outputs", {{"d_real", "mean D(x)"}, {"d_fake", "mean D(G(z))"}}, false},
            {"lr", {{"lr", "learning rate"}}, true}};
  return {{"energy", {{"f_data", "f(data)"}, {"f_samples", "f(samples)"}}, false},
          {"gap", {{"gap", "f(data) - f(samples)"}}, false},
          {"gradient", {{"grad_norm", "mean |grad f| along the chain"}}, true},
          {"|x_k+1 - x_k| over k/K", {}, true},
          {"saturation", {{"saturated", "saturated pixels |x| >= 0.99"}}, false},
          {"lr", {{"lr", "learning rate"}}, true}};
}

// The run's kind from its config.json ("model": "vae" | "gan"; an EBM run has none).
std::string run_kind(const std::string& run) {
  std::ifstream in(run + "/config.json");
  nlohmann::json c = nlohmann::json::parse(in, nullptr, false);
  if (c.is_object() && c.contains("model") && c["model"].is_string()) return c["model"].get<std::string>();
  return "ebm";
}

// Round tick spacing (1, 2 or 5 × 10^k) giving about `count` ticks over [lo, hi].
double tick_step(double lo, double hi, int count) {
  const double raw = (hi - lo) / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string fmt(double v) {
  if (std::fabs(v) < 1e-12) v = 0;  // no "-0" tick labels
  char b[32];
  std::snprintf(b, sizeof b, (std::fabs(v) >= 1e5 || (std::fabs(v) < 1e-2 && v != 0)) ? "%.2g" : "%.6g", v);
  return b;
}

// Three significant digits, for the half-decade ticks of a log axis (3.16, not 3.16228).
std::string fmt3(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

void panel(Raster& r, int top, int height, const std::string& title, const std::vector<const Series*>& series,
           const XAxis& xaxis, bool log_y, bool mark_best) {
  const int left = 90, right = r.width() - 30, bottom = top + height - 28, ptop = top + 26;
  const Rgb axis{90, 90, 90}, grid{225, 225, 225}, text{30, 30, 30};
  r.text(left, top + 2, title, 17, text);
  double lo = INFINITY, hi = -INFINITY;
  for (const Series* s : series)
    for (double v : s->y)
      if (std::isfinite(v) && (!log_y || v > 0)) {
        const double t = log_y ? std::log10(v) : v;
        lo = std::min(lo, t);
        hi = std::max(hi, t);
      }
  r.fill_rect(left, ptop, right, bottom, {250, 250, 250});
  if (!(lo <= hi)) {
    r.text(left + 10, ptop + 10, title == "evaluation" ? "no evaluations in this run (train with --eval-every N)" : "no data in this run",
           15, {140, 140, 140});
    r.line(left, bottom, right, bottom, axis, 1.2f);
    return;
  }
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const double xmax = xaxis.max > 0 ? xaxis.max : 1.0;
  const auto X = [&](double it) { return float(left + (right - left) * it / xmax); };
  const auto Y = [&](double v) {
    const double t = log_y ? std::log10(std::max(v, 1e-300)) : v;
    return float(bottom - (bottom - ptop) * (t - lo) / (hi - lo));
  };
  // Grid and tick labels.
  const double ys = tick_step(lo, hi, 5);
  for (double t = std::ceil(lo / ys) * ys; t <= hi; t += ys) {
    const float y = float(bottom - (bottom - ptop) * (t - lo) / (hi - lo));
    r.line(left, y, right, y, grid, 1.0f);
    r.text(left - 8, y - 8, log_y ? fmt3(std::pow(10.0, t)) : fmt(t), 13, axis, true);
  }
  const double xs = tick_step(0, xmax, 8);
  if (!(xs > 0)) return;
  for (double t = 0; t <= xmax; t += xs) {
    r.line(X(t), ptop, X(t), bottom, grid, 1.0f);
    r.text(X(t) - r.text_width(fmt(t), 13) / 2, bottom + 4, fmt(t), 13, axis);
  }
  if (!log_y && lo < 0 && hi > 0) r.line(left, Y(0), right, Y(0), {160, 160, 160}, 1.2f);
  if (xaxis.marks)
    for (double it : *xaxis.marks) r.line(X(it), ptop, X(it), bottom, {220, 30, 30}, 2.0f, 0.8f);
  float legend_x = left + r.text_width(title, 17) + 30;
  for (const Series* s : series) {
    for (size_t i = 1; i < s->x.size(); ++i)
      if (std::isfinite(s->y[i - 1]) && std::isfinite(s->y[i]))
        r.line(X(s->x[i - 1]), Y(s->y[i - 1]), X(s->x[i]), Y(s->y[i]), s->color, 2.0f);
    if (s->x.size() == 1 || mark_best)
      for (size_t i = 0; i < s->x.size(); ++i) r.line(X(s->x[i]), Y(s->y[i]), X(s->x[i]), Y(s->y[i]), s->color, 6.0f);
    r.fill_rect(int(legend_x), top + 9, int(legend_x) + 18, top + 13, s->color);
    legend_x += 24 + r.text(legend_x + 24, top + 3, s->name, 14, text) + 12;
  }
  if (mark_best && !series.empty() && !series[0]->y.empty()) {
    const Series& s = *series[0];
    const size_t best = size_t(std::min_element(s.y.begin(), s.y.end(), [](double a, double b) {
                                  return std::isfinite(a) && (!std::isfinite(b) || a < b);
                                }) - s.y.begin());
    r.line(X(s.x[best]), Y(s.y[best]), X(s.x[best]), Y(s.y[best]), {20, 20, 20}, 11.0f);
    r.line(X(s.x[best]), Y(s.y[best]), X(s.x[best]), Y(s.y[best]), {255, 215, 0}, 7.0f);
    r.text(legend_x, top + 3, "best " + fmt(s.y[best]) + " at iteration " + fmt(s.x[best]), 14, text);
  }
  r.line(left, bottom, right, bottom, axis, 1.2f);
  r.line(left, ptop, left, bottom, axis, 1.2f);
}

}  // namespace

void add_plot_command(CLI::App& app) {
  struct Options {
    std::string run, out = "curves.png";
    int width = 1200, height = 0;  // 0: 250 pixels per panel
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("plot", "Draw a run's energy curves and evaluation FD into a PNG");
  cmd->add_option("run", o->run, "run directory (made by shortrun train)")->required();
  cmd->add_option("--out", o->out, "output PNG")->capture_default_str();
  cmd->add_option("--width", o->width, "image width")->capture_default_str()->check(CLI::Range(400, 8000));
  cmd->add_option("--height", o->height, "image height (default: 250 per panel)")->check(CLI::Range(400, 8000));
  cmd->callback([o] {
    check_outputs({{"--out", o->out}}, {{"the run's metrics", o->run + "/metrics.jsonl"}, {"the run's config", o->run + "/config.json"}});
    Metrics m = read_metrics(o->run + "/metrics.jsonl");
    const std::string kind = run_kind(o->run);
    const bool ebm = kind != "vae" && kind != "gan";
    const Rgb palette[] = {{40, 110, 200}, {230, 120, 30}, {40, 150, 70}, {130, 70, 180}, {200, 40, 60}};
    std::vector<PanelSpec> specs = panels_for(kind);
    const bool long_run = ebm && !m.long_run.empty();
    if (ebm) specs.push_back({"evaluation", {}, false});
    if (long_run) {
      specs.push_back({"long run: FD at K and K2", {{"fd_short", "FD at K"}, {"fd_long", "FD at K2"}}, false});
      specs.push_back({"long run: energy drift f(x_K2) - f(x_K)",
                       {{"drift", "mean drift"}, {"drift_p10", "10th percentile"}, {"drift_p90", "90th percentile"}}, false});
    }
    const int height = o->height > 0 ? o->height : 50 + 250 * int(specs.size());
    Raster r(o->width, height, {255, 255, 255});
    const int h = (height - 50) / int(specs.size());
    std::string title = o->run + ": " + std::to_string(int64_t(m.max_iter)) + " iterations";
    if (!ebm) title += " (" + std::string(kind == "vae" ? "VAE" : "GAN") + ")";
    if (!m.rollbacks.empty()) title += ", " + std::to_string(m.rollbacks.size()) + " watchdog rollback(s) (red lines)";
    r.text(20, 12, title, 20, {0, 0, 0});
    const XAxis iters{std::max(1.0, m.max_iter), &m.rollbacks};
    // Step lengths along the chain for up to five logged iterations, light (early) to dark (late).
    std::vector<Series> prof;
    const size_t np = std::min<size_t>(5, m.profiles.size());
    for (size_t i = 0; i < np; ++i) {
      const auto& [it, v] = m.profiles[np == 1 ? 0 : i * (m.profiles.size() - 1) / (np - 1)];
      const uint8_t shade = uint8_t(200 - 180 * (np == 1 ? 1.0 : double(i) / double(np - 1)));
      Series s{{}, {}, {shade, uint8_t(shade / 2 + 60), 230}, "it " + fmt(it)};
      for (size_t b = 0; b < v.size(); ++b) {
        s.x.push_back((double(b) + 0.5) / double(v.size()));
        s.y.push_back(v[b]);
      }
      prof.push_back(std::move(s));
    }
    for (size_t p = 0; p < specs.size(); ++p) {
      const PanelSpec& spec = specs[p];
      const int top = 45 + int(p) * h;
      std::vector<const Series*> series;
      if (spec.title == "evaluation") {
        panel(r, top, h, spec.title, {&m.fd}, iters, false, !m.fd.y.empty());
        continue;
      }
      if (spec.title.rfind("|x_k+1", 0) == 0) {
        for (const Series& s : prof) series.push_back(&s);
        panel(r, top, h, spec.title, series, XAxis{1.0, nullptr}, true, false);
        continue;
      }
      Curves& from = spec.title.rfind("long run", 0) == 0 ? m.long_run : m.logged;
      for (size_t k = 0; k < spec.keys.size(); ++k) {
        Series& s = from[spec.keys[k].first];
        s.name = spec.keys[k].second;
        s.color = palette[k % 5];
        series.push_back(&s);
      }
      if (spec.title == "gradient")
        for (const Series& s : m.grad_k) series.push_back(&s);
      panel(r, top, h, spec.title, series, iters, spec.log_y, false);
    }
    r.write_png(o->out);
    std::printf("%s: %zu logged iterations, %zu evaluations, %zu rollbacks%s\n", o->out.c_str(), m.progress_lines, m.fd.x.size(),
                m.rollbacks.size(), r.has_font() ? "" : " (no DejaVu font: apt-get install fonts-dejavu-core for labels)");
  });
}

}  // namespace shortrun::cli

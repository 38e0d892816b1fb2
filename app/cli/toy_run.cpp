// The CLI's and the playground's shared toy-run pieces (see toy_run.h).
#include "toy_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "raster.h"

namespace shortrun::cli {
namespace {

std::string number(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

// A dark-to-bright colormap (black, purple, red, orange, pale yellow) for densities in [0, 1].
Rgb heat(double t) {
  static const double stops[5][3] = {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}};
  t = std::min(1.0, std::max(0.0, t)) * 4;
  const int i = std::min(3, int(t));
  const double f = t - i;
  const auto mix = [&](int c) { return uint8_t(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]))); };
  return {mix(0), mix(1), mix(2)};
}

// Draws a g×g density (row 0 at the top) scaled to its maximum into a size×size square.
void draw_density(Raster& r, int left, int top, int size, const std::vector<float>& d, int64_t g) {
  float peak = 0;
  for (float v : d) peak = std::max(peak, v);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int64_t row = int64_t(y) * g / size, col = int64_t(x) * g / size;
      const double v = peak > 0 ? d[size_t(row * g + col)] / peak : 0;
      r.fill_rect(left + x, top + y, left + x + 1, top + y + 1, heat(std::sqrt(v)));
    }
}

void draw_particles(Raster& r, int left, int top, int size, double box, const float* xy, int64_t n, Rgb c) {
  for (int64_t i = 0; i < n; ++i) {
    const double px = left + (xy[2 * i] + box) / (2 * box) * size, py = top + (box - xy[2 * i + 1]) / (2 * box) * size;
    if (px >= left && px < left + size && py >= top && py < top + size) r.line(float(px), float(py), float(px), float(py), c, 3.0f, 0.8f);
  }
}

// A word for a POSIX shell: as it is when it holds only safe characters, else single-quoted.
std::string shell_word(const std::string& w) {
  if (!w.empty() && w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=.,:/@%") == std::string::npos)
    return w;
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The watchdog's flags where they differ from the playground's defaults.
std::string watchdog_flags(const Toy2dSettings& s) {
  const Toy2dSettings d;
  if (!s.watchdog) return " --no-watchdog";
  std::string out;
  if (s.watch_gap != d.watch_gap) out += " --watch-gap " + number(s.watch_gap);
  if (s.watch_patience != d.watch_patience) out += " --watch-patience " + std::to_string(s.watch_patience);
  if (s.rollback_lr_factor != d.rollback_lr_factor) out += " --rollback-lr-factor " + number(s.rollback_lr_factor);
  return out;
}

}  // namespace

std::string toy_reproducing_command(const ToyTrainRequest& q) {
  const Toy2dSettings& s = q.settings;
  return "shortrun train --data " + shell_word("toy:" + q.config.target) + " --out " + shell_word(q.out) + " --iters " + std::to_string(q.iters) +
         " --steps " + std::to_string(s.steps) + " --step-size " + number(s.step_size) + " --noise " + number(s.noise_std) +
         " --lr " + number(s.lr) + " --batch " + std::to_string(s.batch) + " --data-noise " + number(s.data_noise) +
         " --log-every " + std::to_string(s.log_every) + " --energy-l2 " + number(s.energy_l2) + watchdog_flags(s) +
         " --activation " + q.config.activation + " --seed " + std::to_string(q.config.seed) + " --threads " + std::to_string(q.threads);
}


nlohmann::json toy_settings_json(const ToyTrainRequest& q) {
  return {{"kind", "toy2d"}, {"config", q.config}, {"settings", q.settings}, {"iters", q.iters}, {"threads", q.threads},
          {"command", toy_reproducing_command(q)}};
}

nlohmann::json toy_rollback_json(const Toy2dRollback& r, double wall_s) {
  return {{"iteration", r.iteration}, {"event", "rollback"}, {"to_iteration", r.to_iteration}, {"reason", r.reason},
          {"lr", r.lr}, {"rollbacks", r.rollbacks}, {"wall_s", wall_s}};
}

nlohmann::json toy_metrics_json(const Toy2dLog& l, double wall_s) {
  return {{"iteration", l.iteration}, {"f_data", l.f_data}, {"f_samples", l.f_samples}, {"gap", l.gap},
          {"grad_norm", l.grad_norm}, {"kl", l.kl},           {"mmd", l.mmd},           {"lr", l.lr},
          {"its_per_s", l.its_per_s}, {"wall_s", wall_s}};
}

void write_toy_playground_png(const Toy2dTrainer& trainer, const std::string& path) {
  // target | learned exp(f) | short-run x_K | long-run x_{10K}, 1,000 chains each.
  const int size = 320, pad = 12, top = 40;
  const int64_t g = 160;
  Raster r(4 * size + 5 * pad, size + top + pad, {255, 255, 255});
  const torch::Tensor target = trainer.target().density_grid(g).to(torch::kFloat32).contiguous();
  const std::vector<float> target_d(target.data_ptr<float>(), target.data_ptr<float>() + g * g);
  const Toy2dField field = trainer.field(g);
  const Toy2dParticles short_run = trainer.sample(1000, trainer.settings().steps);
  const Toy2dParticles long_run = trainer.sample(1000, 10 * trainer.settings().steps);
  const double box = trainer.target().box();
  const char* titles[4] = {"target", "learned exp(f)", "short-run x_K", "long-run x_10K"};
  for (int p = 0; p < 4; ++p) {
    const int left = pad + p * (size + pad);
    r.text(float(left), 10, titles[p], 18, {20, 20, 20});
    draw_density(r, left, top, size, p == 0 ? target_d : field.density, g);
    if (p >= 2) {
      const Toy2dParticles& s = p == 2 ? short_run : long_run;
      r.fill_rect(left, top, left + size, top + size, {255, 255, 255}, 0.55f);
      draw_particles(r, left, top, size, box, s.frame(s.frames - 1), s.n, {30, 90, 200});
    }
  }
  r.write_png(path);}

}  // namespace shortrun::cli

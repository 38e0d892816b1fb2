// The 2-D playground's draw-list overlays (see toy2d_overlays.h).
#include "views/toy2d/toy2d_overlays.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace shortrun::explorer {

namespace {
constexpr float kTrailFrames = 8;  // trail length in Langevin steps
}  // namespace

// World (x, y) in [-box, box]² to the screen square at `o` of side `size`.
ImVec2 to_screen(ImVec2 o, float size, float box, float x, float y) {
  return ImVec2(o.x + (x + box) / (2 * box) * size, o.y + (box - y) / (2 * box) * size);
}

void draw_points(ImDrawList* dl, const std::vector<float>& xy, float box, ImVec2 o, float side, ImU32 col) {
  for (size_t i = 0; i + 1 < xy.size(); i += 2) dl->AddCircleFilled(to_screen(o, side, box, xy[i], xy[i + 1]), 2.0f, col, 6);
}

// The last iteration's chains replayed through their K steps (~2 s per pass), each with a
// fading trail of its last few steps.
void draw_particles(ImDrawList* dl, const Toy2dSnapshot& s, ImVec2 o, float side, float t) {
  if (s.frames < 1 || s.chains < 1) return;
  const int last = s.frames - 1, hold = std::max(1, last / 3);  // rest a moment at x_K
  const int f = std::min(last, int(std::fmod(t * float(last + hold) / 2.0f, float(last + hold))));
  const int from = std::max(0, f - int(kTrailFrames));
  for (int i = 0; i < s.chains; ++i) {
    for (int k = from; k < f; ++k) {
      const float* a = s.trails.data() + (size_t(k) * s.chains + i) * 2;
      const float* b = s.trails.data() + (size_t(k + 1) * s.chains + i) * 2;
      const int alpha = int(40 + 150 * float(k - from + 1) / float(f - from + 1));
      dl->AddLine(to_screen(o, side, s.box, a[0], a[1]), to_screen(o, side, s.box, b[0], b[1]), IM_COL32(120, 200, 255, alpha), 1.0f);
    }
    const float* p = s.trails.data() + (size_t(f) * s.chains + i) * 2;
    dl->AddCircleFilled(to_screen(o, side, s.box, p[0], p[1]), 2.0f, IM_COL32(150, 220, 255, 255), 6);
  }
}


// ∇f on a coarse 16×16 grid: arrows point where Langevin moves (uphill in f), length scaled
// by the 90th percentile so a few steep cells do not flatten the rest.
void draw_arrows(ImDrawList* dl, const Toy2dSnapshot& s, ImVec2 o, float side) {
  const int g = s.grid, every = std::max(1, g / 16);
  std::vector<float> norms;
  for (int r = every / 2; r < g; r += every)
    for (int c = every / 2; c < g; c += every) {
      const float* v = s.grad.data() + (size_t(r) * g + c) * 2;
      norms.push_back(std::hypot(v[0], v[1]));
    }
  if (norms.empty()) return;
  std::vector<float> sorted = norms;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() * 9 / 10, sorted.end());
  const float ref = std::max(1e-6f, sorted[sorted.size() * 9 / 10]);
  const float cell = side / float(g) * float(every);
  for (int r = every / 2; r < g; r += every)
    for (int c = every / 2; c < g; c += every) {
      const float* v = s.grad.data() + (size_t(r) * g + c) * 2;
      const float n = std::hypot(v[0], v[1]);
      if (n <= 0) continue;
      const float len = std::min(1.0f, n / ref) * cell * 0.45f;
      const ImVec2 a(o.x + (c + 0.5f) / g * side, o.y + (r + 0.5f) / g * side);
      const float dx = v[0] / n, dy = -v[1] / n;  // screen y runs down
      const ImVec2 b(a.x + dx * len, a.y + dy * len);
      const ImU32 col = IM_COL32(255, 255, 255, 200);
      dl->AddLine(a, b, col, 1.0f);
      const float h = std::min(4.0f, len * 0.4f);
      dl->AddTriangleFilled(b, ImVec2(b.x - dx * h - dy * h * 0.6f, b.y - dy * h + dx * h * 0.6f),
                            ImVec2(b.x - dx * h + dy * h * 0.6f, b.y - dy * h - dx * h * 0.6f), col);
    }
}

}  // namespace shortrun::explorer

// Canvas: hard round dabs spaced along each stroke segment, with a bounded undo stack.
#include "widgets/canvas.h"

#include <algorithm>
#include <cmath>

namespace shortrun::explorer {

void Canvas::reset(int width, int height, int channels, float background) {
  width_ = width;
  height_ = height;
  channels_ = channels;
  background_ = background;
  pixels_.assign(size_t(width) * height * channels, background);
  mask_.assign(size_t(width) * height, 1.0f);
  undo_.clear();
  stroking_ = false;
  ++version_;
}

void Canvas::push_undo() {
  undo_.push_back(State{pixels_, mask_});
  if (undo_.size() > kUndoDepth) undo_.erase(undo_.begin());
}

void Canvas::load(const std::vector<float>& pixels) {
  if (pixels.size() != pixels_.size()) return;
  push_undo();
  pixels_ = pixels;
  std::fill(mask_.begin(), mask_.end(), 1.0f);
  ++version_;
}

void Canvas::clear() {
  push_undo();
  std::fill(pixels_.begin(), pixels_.end(), background_);
  std::fill(mask_.begin(), mask_.end(), 1.0f);
  ++version_;
}

void Canvas::clear_mask() {
  push_undo();
  std::fill(mask_.begin(), mask_.end(), 1.0f);
  ++version_;
}

void Canvas::set_mask(const std::vector<float>& mask) {
  if (mask.size() != mask_.size()) return;
  push_undo();
  mask_ = mask;
  ++version_;
}

void Canvas::begin_stroke() {
  if (stroking_) return;
  push_undo();
  stroking_ = true;
  has_last_ = false;
}

void Canvas::end_stroke() {
  stroking_ = false;
  has_last_ = false;
}

void Canvas::stroke_to(float x, float y, const Brush& brush) {
  if (!stroking_) begin_stroke();
  if (!has_last_) {
    dab(x, y, brush);
  } else {
    // Dabs every half radius so fast strokes stay continuous.
    const float dx = x - last_x_, dy = y - last_y_;
    const float spacing = std::max(0.25f, brush.radius * 0.5f);
    const int steps = std::max(1, int(std::ceil(std::sqrt(dx * dx + dy * dy) / spacing)));
    for (int i = 1; i <= steps; ++i) dab(last_x_ + dx * float(i) / float(steps), last_y_ + dy * float(i) / float(steps), brush);
  }
  last_x_ = x;
  last_y_ = y;
  has_last_ = true;
  ++version_;
}

void Canvas::dab(float cx, float cy, const Brush& brush) {
  const float r = std::max(0.5f, brush.radius);
  const int x0 = std::max(0, int(std::floor(cx - r))), x1 = std::min(width_ - 1, int(std::ceil(cx + r)));
  const int y0 = std::max(0, int(std::floor(cy - r))), y1 = std::min(height_ - 1, int(std::ceil(cy + r)));
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      // Pixel centres at +0.5: a dab covers the pixels whose centre lies inside the disc.
      const float dx = float(x) + 0.5f - cx, dy = float(y) + 0.5f - cy;
      if (dx * dx + dy * dy > r * r) continue;
      const size_t p = size_t(y) * width_ + x;
      if (brush.mask) {
        mask_[p] = brush.erase ? 1.0f : 0.0f;
        continue;
      }
      for (int c = 0; c < channels_; ++c) {
        float v = brush.use_color && channels_ >= 3 && c < 3 ? brush.color[c] : brush.value;
        if (brush.erase) v = background_;
        pixels_[p * channels_ + c] = std::clamp(v, -1.0f, 1.0f);
      }
    }
}

bool Canvas::undo() {
  if (undo_.empty()) return false;
  pixels_ = std::move(undo_.back().pixels);
  mask_ = std::move(undo_.back().mask);
  undo_.pop_back();
  stroking_ = false;
  ++version_;
  return true;
}

float Canvas::observed_fraction() const {
  if (mask_.empty()) return 0.0f;
  double s = 0;
  for (float m : mask_) s += m;
  return float(s / double(mask_.size()));
}

}  // namespace shortrun::explorer

// The Reconstruct panel's drawing canvas at the model's resolution: an image (H·W·C floats in
// [-1,1]) and an inpainting mask (H·W, 1 = observed), round brush strokes, eraser, clear and
// undo. Pure data: no GL, no torch, so it is unit-tested directly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace shortrun::explorer {

struct Brush {
  float radius = 2.0f;  // pixels
  float value = 1.0f;   // brightness in [-1,1] (applied to every channel)
  float color[3] = {1.0f, 1.0f, 1.0f};
  bool use_color = false;  // RGB models: paint `color` instead of `value`
  bool erase = false;      // image: paint the background; mask: mark observed again
  bool mask = false;       // paint the mask (hide pixels) instead of the image
};

class Canvas {
 public:
  static constexpr size_t kUndoDepth = 64;

  void reset(int width, int height, int channels, float background = -1.0f);
  // Replaces the image (H·W·C), keeping an undo step; the mask is reset to all-observed.
  void load(const std::vector<float>& pixels);
  void clear();
  void clear_mask();
  // Replaces the mask (H·W, 1 = observed), keeping an undo step; the image stays.
  void set_mask(const std::vector<float>& mask);
  // A stroke is begin_stroke, stroke_to (point after point, in pixel coordinates), end_stroke;
  // a whole stroke is one undo step.
  void begin_stroke();
  void stroke_to(float x, float y, const Brush& brush);
  void end_stroke();
  bool undo();

  const std::vector<float>& pixels() const { return pixels_; }
  const std::vector<float>& mask() const { return mask_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  uint64_t version() const { return version_; }  // bumps on every change
  size_t undo_depth() const { return undo_.size(); }
  bool stroking() const { return stroking_; }
  float observed_fraction() const;

 private:
  struct State {
    std::vector<float> pixels, mask;
  };
  void push_undo();
  void dab(float cx, float cy, const Brush& brush);

  int width_ = 0, height_ = 0, channels_ = 1;
  float background_ = -1.0f;
  std::vector<float> pixels_, mask_;
  std::vector<State> undo_;
  bool stroking_ = false;
  float last_x_ = 0, last_y_ = 0;
  bool has_last_ = false;
  uint64_t version_ = 0;
};

}  // namespace shortrun::explorer

// A grid of same-sized float images (NHWC, [-1,1]) for the analysis views: uploaded once per
// content key into one texture atlas through the shared colormap pass, drawn as tiles with
// gaps, with the hovered / clicked tile reported back. UI side only (no torch).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <imgui.h>

#include "display_image.h"
#include "snapshots.h"

namespace shortrun::explorer {

struct ViewContext;

class ImageGrid {
 public:
  // Uploads `count` images of shape `one` (n ignored) laid out `cols` a row, unless `key` is what
  // is already shown. `pixels` holds count × H·W·C floats.
  void show(ViewContext& ctx, const float* pixels, int count, int cols, const ImageShape& one, uint64_t key);
  bool empty() const { return count_ == 0; }
  // The size draw() takes for tiles of `tile` pixels.
  ImVec2 size(float tile, float gap = 2.0f) const;
  struct Hit {
    int hovered = -1;  // the tile under the mouse
    bool clicked = false;
  };
  // Draws at the cursor (an invisible button covers it); `highlight` gets a frame.
  Hit draw(const char* id, float tile, float gap = 2.0f, int highlight = -1) const;
  // The largest tile fitting width × height (a whole multiple of the image width from twice it).
  float fit_tile(float width, float height, float gap = 2.0f) const;
  int cols() const { return cols_; }
  int rows() const { return count_ == 0 ? 0 : (count_ + cols_ - 1) / cols_; }
  void release() { image_ = std::make_unique<DisplayImage>(); }

 private:
  std::unique_ptr<DisplayImage> image_ = std::make_unique<DisplayImage>();
  uint64_t key_ = 0;
  int count_ = 0, cols_ = 1;
  ImageShape one_;
};

}  // namespace shortrun::explorer

// A grid of same-sized float images (NHWC, [-1,1]) for the analysis views: uploaded once per
// content key into one texture atlas through the shared colormap pass, drawn as tiles with
// gaps, with the hovered / clicked tile reported back. UI side only (no torch).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <imgui.h>

#include "display/display_image.h"
#include "display/texture_upload.h"
#include "worker/snapshots.h"

namespace shortrun::explorer {

class TextureUpload;
class ColormapPass;

class ImageGrid {
 public:
  // Uploads `count` images of shape `one` (n ignored) laid out `cols` a row, unless `key` is what
  // is already shown; true when it uploaded. `pixels` holds count × H·W·C floats; `device`, when
  // given, the same images on the GPU (CUDA-GL interop uploads from there).
  bool show(TextureUpload& uploader, ColormapPass& colormap, const float* pixels, int count, int cols, const ImageShape& one,
            uint64_t key, const DisplayParams& params = DisplayParams{}, const DeviceFrame* device = nullptr);
  bool empty() const { return count_ == 0; }
  // The size draw() takes for tiles of `tile` pixels.
  ImVec2 size(float tile, float gap = 2.0f) const;
  struct Hit {
    int hovered = -1;  // the tile under the mouse
    int px = -1, py = -1;  // the image pixel under the mouse (of the hovered tile)
    bool clicked = false;
  };
  // Draws at the cursor (an invisible button covers it); `highlight` gets a frame, and tiles
  // `flagged` says yes to a red one (diverged chains).
  Hit draw(const char* id, float tile, float gap = 2.0f, int highlight = -1,
           const std::function<bool(int)>& flagged = nullptr) const;
  // The largest tile fitting width × height (a whole multiple of the image width from twice it).
  float fit_tile(float width, float height, float gap = 2.0f) const;
  int cols() const { return cols_; }
  // Tile i's corners in the atlas texture (an enlarged view of one tile draws from there).
  ImTextureID texture() const { return image_->id(); }
  ImVec2 uv0(int i) const;
  ImVec2 uv1(int i) const;
  int rows() const { return count_ == 0 ? 0 : (count_ + cols_ - 1) / cols_; }
  void release() { image_ = std::make_unique<DisplayImage>(); }

 private:
  std::unique_ptr<DisplayImage> image_ = std::make_unique<DisplayImage>();
  uint64_t key_ = 0;
  int count_ = 0, cols_ = 1;
  ImageShape one_;
};

}  // namespace shortrun::explorer

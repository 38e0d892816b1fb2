// A colour bar for a heatmap: the value range drawn through the same colormap shader as the
// heatmap itself (one shader for every value mapping), with the range's ends and middle labelled.
#pragma once
#include <imgui.h>

#include "display/display_image.h"

namespace shortrun::explorer {

class ColourBar {
 public:
  // Draws a horizontal bar `width` wide under the cursor, with value labels; re-renders its
  // texture only when the range or colormap changes.
  void draw(TextureUpload& uploader, ColormapPass& pass, const DisplayParams& params, float width);

 private:
  DisplayImage image_;
  DisplayParams shown_{};
  bool rendered_ = false;
};

}  // namespace shortrun::explorer

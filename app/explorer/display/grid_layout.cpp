// compose_grid / compose_strip: cells copied row by row into a padded NHWC canvas.
#include "display/grid_layout.h"

#include <algorithm>
#include <cstring>

namespace shortrun::explorer {

GridLayout grid_layout(int count, int cols, int cell_w, int cell_h, int pad) {
  GridLayout g;
  g.cols = std::max(1, std::min(cols, std::max(1, count)));
  g.rows = std::max(1, (count + g.cols - 1) / g.cols);
  g.pad = pad;
  g.width = g.cols * (cell_w + pad) + pad;
  g.height = g.rows * (cell_h + pad) + pad;
  return g;
}

namespace {
void put_cell(std::vector<float>& out, const float* cell, const ImageShape& s, const GridLayout& g, int i) {
  const int x0 = g.pad + (i % g.cols) * (s.w + g.pad), y0 = g.pad + (i / g.cols) * (s.h + g.pad);
  for (int y = 0; y < s.h; ++y)
    std::memcpy(&out[(size_t(y0 + y) * g.width + x0) * s.c], cell + size_t(y) * s.w * s.c, sizeof(float) * s.w * s.c);
}
}  // namespace

std::vector<float> compose_grid(const std::vector<float>& images, const ImageShape& shape, const std::vector<int>& picks,
                                const GridLayout& layout, float pad_value) {
  std::vector<float> out(size_t(layout.width) * layout.height * shape.c, pad_value);
  for (size_t i = 0; i < picks.size(); ++i)
    if (picks[i] >= 0 && size_t(picks[i] + 1) * shape.image_floats() <= images.size())
      put_cell(out, images.data() + size_t(picks[i]) * shape.image_floats(), shape, layout, int(i));
  return out;
}

std::vector<float> compose_strip(const std::vector<const std::vector<float>*>& batches, const ImageShape& shape, int index,
                                 const GridLayout& layout, float pad_value) {
  std::vector<float> out(size_t(layout.width) * layout.height * shape.c, pad_value);
  for (size_t i = 0; i < batches.size(); ++i)
    if (batches[i] && size_t(index + 1) * shape.image_floats() <= batches[i]->size())
      put_cell(out, batches[i]->data() + size_t(index) * shape.image_floats(), shape, layout, int(i));
  return out;
}

}  // namespace shortrun::explorer

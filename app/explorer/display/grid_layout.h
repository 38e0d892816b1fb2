// Laying out NHWC float images as one grid image on the CPU (for one texture upload), the way
// core's make_grid lays out a PNG: `pad` pixels of `pad_value` around and between the cells.
#pragma once
#include <vector>

#include "worker/snapshots.h"

namespace shortrun::explorer {

struct GridLayout {
  int cols = 1, rows = 1, pad = 2;
  int width = 0, height = 0;  // of the whole grid
};
GridLayout grid_layout(int count, int cols, int cell_w, int cell_h, int pad = 2);

// images: `shape.n` images of shape.image_floats() each; picks[i] is the image in cell i.
std::vector<float> compose_grid(const std::vector<float>& images, const ImageShape& shape, const std::vector<int>& picks,
                                const GridLayout& layout, float pad_value);

// Several whole batches as one grid: cell i shows image `index` of batch i (e.g. a chain over time).
std::vector<float> compose_strip(const std::vector<const std::vector<float>*>& batches, const ImageShape& shape, int index,
                                 const GridLayout& layout, float pad_value);

}  // namespace shortrun::explorer

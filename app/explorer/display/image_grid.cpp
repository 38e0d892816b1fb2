// ImageGrid (image_grid.h): one atlas texture per grid, drawn tile by tile.
#include "display/image_grid.h"

#include <algorithm>
#include <cmath>

#include "display/texture_upload.h"

namespace shortrun::explorer {

bool ImageGrid::show(TextureUpload& uploader, ColormapPass& colormap, const float* pixels, int count, int cols,
                     const ImageShape& one, uint64_t key, const DisplayParams& params, const DeviceFrame* device) {
  if (count <= 0 || !pixels) {
    count_ = 0;
    return false;
  }
  if (key == key_ && count == count_ && cols == cols_) return false;
  cols_ = std::max(1, cols);
  count_ = count;
  one_ = one;
  const int rows = (count + cols_ - 1) / cols_;
  image_->ensure(cols_ * one.w, rows * one.h, one.c);
  std::vector<Tile> tiles;
  for (int i = 0; i < count; ++i) {
    Tile t;
    t.x = (i % cols_) * one.w;
    t.y = (i / cols_) * one.h;
    t.w = one.w;
    t.h = one.h;
    t.c = one.c;
    t.host = pixels + size_t(i) * one.image_floats();
    if (device && device->data) {
      t.device_channels = device->channels;
      t.device = device->data + size_t(i) * one.w * one.h * device->channels;
    }
    tiles.push_back(t);
  }
  image_->upload(uploader, tiles);
  image_->render(colormap, params);
  key_ = key;
  return true;
}

ImVec2 ImageGrid::uv0(int i) const {
  return ImVec2(float((i % cols_) * one_.w) / float(image_->width()), float((i / cols_) * one_.h) / float(image_->height()));
}

ImVec2 ImageGrid::uv1(int i) const {
  return ImVec2(float((i % cols_ + 1) * one_.w) / float(image_->width()), float((i / cols_ + 1) * one_.h) / float(image_->height()));
}

ImVec2 ImageGrid::size(float tile, float gap) const { return ImVec2(cols_ * (tile + gap), rows() * (tile + gap)); }

float ImageGrid::fit_tile(float width, float height, float gap) const {
  if (count_ == 0) return 8.0f;
  float tile = std::floor(std::min((width - gap * cols_) / float(cols_), (height - gap * rows()) / float(rows())));
  if (tile >= 2 * one_.w) tile = std::floor(tile / one_.w) * one_.w;  // even nearest-neighbour pixels once large
  return std::clamp(tile, 8.0f, float(one_.w) * 12.0f);
}

ImageGrid::Hit ImageGrid::draw(const char* id, float tile, float gap, int highlight, const std::function<bool(int)>& flagged) const {
  Hit hit;
  if (count_ == 0) return hit;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float W = float(image_->width()), H = float(image_->height());
  for (int i = 0; i < count_; ++i) {
    const int gx = i % cols_, gy = i / cols_;
    const ImVec2 a(origin.x + gx * (tile + gap), origin.y + gy * (tile + gap));
    const ImVec2 b(a.x + tile, a.y + tile);
    const ImVec2 uv0(float(gx * one_.w) / W, float(gy * one_.h) / H);
    const ImVec2 uv1(float((gx + 1) * one_.w) / W, float((gy + 1) * one_.h) / H);
    dl->AddImage(image_->id(), a, b, uv0, uv1);
    if (flagged && flagged(i)) dl->AddRect(a, b, IM_COL32(255, 60, 60, 255), 0, 0, 2.0f);
    if (i == highlight) dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), IM_COL32(255, 200, 40, 255), 0, 0, 2.0f);
  }
  ImGui::InvisibleButton(id, size(tile, gap));
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int gx = int((m.x - origin.x) / (tile + gap)), gy = int((m.y - origin.y) / (tile + gap));
    const int i = gy * cols_ + gx;
    if (gx >= 0 && gx < cols_ && i >= 0 && i < count_) {
      hit.hovered = i;
      hit.px = std::clamp(int((m.x - origin.x - gx * (tile + gap)) / tile * float(one_.w)), 0, one_.w - 1);
      hit.py = std::clamp(int((m.y - origin.y - gy * (tile + gap)) / tile * float(one_.h)), 0, one_.h - 1);
      hit.clicked = ImGui::IsItemClicked();
    }
  }
  return hit;
}

}  // namespace shortrun::explorer

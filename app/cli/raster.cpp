// Raster: distance-based anti-aliased lines and stb_truetype text on an RGB buffer.
#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC  // private copy: nothing else in the binary sees these symbols
#include <stb_truetype.h>

#include "raster.h"

#include <algorithm>
#include <cmath>

#include <stb_image_write.h>

#include "shortrun/io/file_util.h"

namespace shortrun::cli {

namespace {
const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
}

Raster::Raster(int width, int height, Rgb bg) : w_(width), h_(height), px_(size_t(width) * height * 3) {
  for (size_t i = 0; i < px_.size(); i += 3) {
    px_[i] = bg.r;
    px_[i + 1] = bg.g;
    px_[i + 2] = bg.b;
  }
  if (file_exists(kFont)) {
    font_data_ = read_file_bytes(kFont);
    auto* info = new stbtt_fontinfo;
    if (stbtt_InitFont(info, font_data_.data(), stbtt_GetFontOffsetForIndex(font_data_.data(), 0))) font_ = info;
    else delete info;
  }
}

Raster::~Raster() { delete static_cast<stbtt_fontinfo*>(font_); }

void Raster::blend(int x, int y, Rgb c, float a) {
  if (x < 0 || y < 0 || x >= w_ || y >= h_ || a <= 0) return;
  a = std::min(a, 1.0f);
  uint8_t* p = &px_[(size_t(y) * w_ + x) * 3];
  p[0] = uint8_t(std::lround(p[0] + (c.r - p[0]) * a));
  p[1] = uint8_t(std::lround(p[1] + (c.g - p[1]) * a));
  p[2] = uint8_t(std::lround(p[2] + (c.b - p[2]) * a));
}

void Raster::fill_rect(int x0, int y0, int x1, int y1, Rgb c, float alpha) {
  for (int y = std::max(0, std::min(y0, y1)); y < std::min(h_, std::max(y0, y1)); ++y)
    for (int x = std::max(0, std::min(x0, x1)); x < std::min(w_, std::max(x0, x1)); ++x) blend(x, y, c, alpha);
}

void Raster::line(float x0, float y0, float x1, float y1, Rgb c, float width, float alpha) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  const float r = width / 2;
  const int bx0 = int(std::floor(std::min(x0, x1) - r - 1)), bx1 = int(std::ceil(std::max(x0, x1) + r + 1));
  const int by0 = int(std::floor(std::min(y0, y1) - r - 1)), by1 = int(std::ceil(std::max(y0, y1) + r + 1));
  const float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = std::max(0, by0); y <= std::min(h_ - 1, by1); ++y)
    for (int x = std::max(0, bx0); x <= std::min(w_ - 1, bx1); ++x) {
      const float px = x + 0.5f, py = y + 0.5f;
      const float t = len2 > 0 ? std::clamp(((px - x0) * dx + (py - y0) * dy) / len2, 0.0f, 1.0f) : 0.0f;
      const float qx = x0 + t * dx - px, qy = y0 + t * dy - py;
      const float d = std::sqrt(qx * qx + qy * qy);
      blend(x, y, c, alpha * std::clamp(r + 0.5f - d, 0.0f, 1.0f));
    }
}

float Raster::text_width(const std::string& s, float size) {
  if (!font_) return 0;
  auto* f = static_cast<stbtt_fontinfo*>(font_);
  const float scale = stbtt_ScaleForPixelHeight(f, size);
  float w = 0;
  for (unsigned char ch : s) {
    int adv = 0, lsb = 0;
    stbtt_GetCodepointHMetrics(f, ch, &adv, &lsb);
    w += adv * scale;
  }
  return w;
}

float Raster::text(float x, float y, const std::string& s, float size, Rgb c, bool align_right) {
  if (!font_) return 0;
  auto* f = static_cast<stbtt_fontinfo*>(font_);
  const float scale = stbtt_ScaleForPixelHeight(f, size);
  int ascent = 0, descent = 0, gap = 0;
  stbtt_GetFontVMetrics(f, &ascent, &descent, &gap);
  const float width = text_width(s, size);
  float pen = align_right ? x - width : x;
  const float base = y + ascent * scale;
  for (unsigned char ch : s) {
    int adv = 0, lsb = 0, gw = 0, gh = 0, ox = 0, oy = 0;
    stbtt_GetCodepointHMetrics(f, ch, &adv, &lsb);
    unsigned char* bmp = stbtt_GetCodepointBitmap(f, 0, scale, ch, &gw, &gh, &ox, &oy);
    for (int j = 0; j < gh; ++j)
      for (int i = 0; i < gw; ++i)
        blend(int(std::lround(pen)) + ox + i, int(std::lround(base)) + oy + j, c, bmp[j * gw + i] / 255.0f);
    stbtt_FreeBitmap(bmp, nullptr);
    pen += adv * scale;
  }
  return width;
}

void Raster::write_png(const std::string& path) const {
  std::vector<uint8_t> png;
  stbi_write_png_to_func([](void* ctx, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(ctx);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &png, w_, h_, 3, px_.data(), w_ * 3);
  write_file_atomic(path, [&](std::ostream& out) { out.write(reinterpret_cast<const char*>(png.data()), png.size()); });
}

}  // namespace shortrun::cli

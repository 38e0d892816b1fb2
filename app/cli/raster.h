// A small RGB raster for `shortrun plot`: lines, rectangles and text (stb_truetype with DejaVu
// Sans when fonts-dejavu-core is installed; without the font, text is skipped).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace shortrun::cli {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

class Raster {
 public:
  Raster(int width, int height, Rgb background);
  ~Raster();
  Raster(const Raster&) = delete;
  Raster& operator=(const Raster&) = delete;

  void fill_rect(int x0, int y0, int x1, int y1, Rgb c, float alpha = 1.0f);
  // Anti-aliased line of the given width (a capsule rasterised by distance).
  void line(float x0, float y0, float x1, float y1, Rgb c, float width = 1.5f, float alpha = 1.0f);
  // Text with its top-left at (x, y); align_right puts its right edge at x. Returns the width.
  float text(float x, float y, const std::string& s, float size, Rgb c, bool align_right = false);
  float text_width(const std::string& s, float size);
  bool has_font() const { return font_ != nullptr; }
  void write_png(const std::string& path) const;  // atomic
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  void blend(int x, int y, Rgb c, float a);
  int w_, h_;
  std::vector<uint8_t> px_;
  std::vector<uint8_t> font_data_;
  void* font_ = nullptr;  // stbtt_fontinfo
};

}  // namespace shortrun::cli

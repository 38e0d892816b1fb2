// Strip and triptych PNGs from snapshot floats, a CPU copy of the error colormap, export names.
#include "display/image_export.h"

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {
uint8_t to_byte(float v) { return uint8_t(std::lround(std::clamp((v + 1.0f) * 127.5f, 0.0f, 255.0f))); }

float mix(float a, float b, float t) { return a + (b - a) * t; }
}  // namespace

void sequential_color(float t, uint8_t out[3]) {
  static const float knots[4][3] = {{0.001f, 0.000f, 0.014f}, {0.416f, 0.090f, 0.433f}, {0.865f, 0.317f, 0.226f},
                                    {0.988f, 0.998f, 0.645f}};
  t = std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f);
  const int seg = std::min(2, int(t * 3.0f));
  const float u = t * 3.0f - float(seg);
  for (int c = 0; c < 3; ++c) out[c] = uint8_t(std::lround(255.0f * mix(knots[seg][c], knots[seg + 1][c], u)));
}

RgbImage tile_row(const std::vector<FloatTile>& tiles, int w, int h, int channels, int upscale, int pad) {
  const int up = std::max(1, upscale);
  const int n = int(tiles.size());
  RgbImage out;
  out.width = n * (w * up + pad) + pad;
  out.height = h * up + 2 * pad;
  out.rgb.assign(size_t(out.width) * out.height * 3, 255);
  for (int i = 0; i < n; ++i) {
    const int x0 = pad + i * (w * up + pad);
    for (int y = 0; y < h * up; ++y)
      for (int x = 0; x < w * up; ++x) {
        const size_t src = size_t(y / up) * w + x / up;
        uint8_t* dst = &out.rgb[(size_t(pad + y) * out.width + x0 + x) * 3];
        if (tiles[i].rgb) {
          std::copy(tiles[i].rgb + src * 3, tiles[i].rgb + src * 3 + 3, dst);
        } else {
          const float* p = tiles[i].data + src * channels;
          for (int c = 0; c < 3; ++c) dst[c] = to_byte(p[channels >= 3 ? c : 0]);
        }
      }
  }
  return out;
}

RgbImage strip_image(const InterpResult& strip, int upscale) {
  const ImageShape& s = strip.shape;
  std::vector<FloatTile> tiles;
  for (int i = 0; i < s.n; ++i) tiles.push_back(FloatTile{strip.images.data() + size_t(i) * s.image_floats(), nullptr});
  return tile_row(tiles, s.w, s.h, s.c, upscale);
}

RgbImage triptych_image(const ReconRun& run, const std::vector<float>& latest, float error_range, int upscale) {
  const ImageShape& s = run.shape;
  const size_t pixels = size_t(s.w) * s.h;
  std::vector<uint8_t> observed(pixels * 3), error(pixels * 3);
  const float tint = 110.0f / 255.0f;  // the canvas's red overlay on hidden pixels
  for (size_t p = 0; p < pixels; ++p) {
    float acc = 0;
    for (int c = 0; c < 3; ++c) {
      const float v = run.observed[p * s.c + (s.c >= 3 ? c : 0)];
      const float byte = float(to_byte(v));
      const float red = c == 0 ? 220.0f : 40.0f;
      observed[p * 3 + c] = run.mask[p] > 0.5f ? uint8_t(byte) : uint8_t(std::lround(mix(byte, red, tint)));
    }
    for (int c = 0; c < s.c; ++c) acc += std::fabs(latest[p * s.c + c] - run.observed[p * s.c + c]);
    const float e = run.mask[p] > 0.5f ? acc / float(s.c) : 0.0f;
    sequential_color(e / std::max(error_range, 1e-12f), &error[p * 3]);
  }
  return tile_row({FloatTile{nullptr, observed.data()}, FloatTile{latest.data(), nullptr}, FloatTile{nullptr, error.data()}},
                  s.w, s.h, s.c, upscale);
}

void write_png_rgb(const std::string& path, const RgbImage& image) {
  std::string png;
  const auto append = [](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), size); };
  if (image.width <= 0 || !stbi_write_png_to_func(append, &png, image.width, image.height, 3, image.rgb.data(), image.width * 3))
    throw Error(path + ": PNG encoding failed");
  write_file_atomic(path, [&](std::ostream& out) { out.write(png.data(), std::streamsize(png.size())); });
}

std::string absolute_folder(const std::string& folder) {
  if (folder.empty()) return folder;
  std::error_code ec;
  const fs::path abs = fs::absolute(folder, ec);
  return ec ? folder : abs.lexically_normal().string();
}

std::string export_path(const std::string& folder_in, const std::string& stem, const std::string& ext) {
  static std::mutex mutex;
  static std::set<std::string> handed_out;
  // Absolute, so every message that names an export says exactly where it is.
  const std::string folder = absolute_folder(folder_in.empty() ? "." : folder_in);
  std::error_code ec;
  fs::create_directories(folder, ec);
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  const std::string base = (fs::path(folder) / (stem + "_" + stamp)).string();
  std::lock_guard<std::mutex> lock(mutex);
  std::string path = base + ext;
  for (int i = 2; fs::exists(path, ec) || handed_out.count(path); ++i) path = base + "_" + std::to_string(i) + ext;
  handed_out.insert(path);
  return path;
}

}  // namespace shortrun::explorer

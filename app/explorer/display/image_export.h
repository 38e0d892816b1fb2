// PNG exports the UI composes from plain snapshot floats (no torch): the interpolation strip and
// the reconstruction triptych (observed with its mask | reconstruction | error), magnified by an
// integer factor (nearest neighbour); and export file names carrying the local time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "worker/snapshots.h"

namespace shortrun::explorer {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes a pixel
};

// Tiles of w×h floats (C channels, values in [-1,1]) side by side, `pad` pixels of white around
// and between them (as the CLI's grids), each pixel repeated `upscale` times in x and y.
struct FloatTile {
  const float* data = nullptr;  // H·W·C, or already-coloured RGB when `rgb` is set
  const uint8_t* rgb = nullptr;
};
RgbImage tile_row(const std::vector<FloatTile>& tiles, int w, int h, int channels, int upscale, int pad = 2);

// The strip of images across ρ.
RgbImage strip_image(const InterpResult& strip, int upscale);
// Observed (hidden pixels tinted red, as on screen) | reconstruction | |error| in the sequential
// colormap over [0, error_range] (hidden pixels 0), all from one run.
RgbImage triptych_image(const ReconRun& run, const std::vector<float>& latest, float error_range, int upscale);
// The sequential colormap of the error heatmap (shaders/colormap.frag), t in [0,1].
void sequential_color(float t, uint8_t out[3]);

void write_png_rgb(const std::string& path, const RgbImage& image);  // atomic; throws shortrun::Error

// folder/stem_YYYYMMDD-HHMMSS.ext in local time, with _2, _3... if that name exists or was handed
// out before in this session (ext "" for a folder). Creates the folder.
std::string export_path(const std::string& folder, const std::string& stem, const std::string& ext);
// `folder` made absolute against the working directory (as messages show it); "" stays "".
std::string absolute_folder(const std::string& folder);

}  // namespace shortrun::explorer

// JPEG decoding for image_io.cpp: Debian's libjpeg-turbo when the build found it
// (SHORTRUN_WITH_LIBJPEG), else a one-line refusal. Internal to core.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace shortrun::detail {

// Whether the bytes start like a JPEG (0xFF fill bytes, then SOI: FF D8).
bool looks_like_jpeg(const std::vector<uint8_t>& bytes);

struct DecodedJpeg {
  int width = 0, height = 0, channels = 0;  // channels: 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels;              // height * width * channels, row-major HWC
};

// Decodes a whole JPEG file's bytes. Throws file_error(path, ...) on anything else: corrupt data
// (libjpeg's corrupt-data warnings count as errors), more than max_pixels pixels (checked from
// the header, before any pixel is decoded), CMYK, or a build without libjpeg.
DecodedJpeg decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path, int64_t max_pixels);

// Whether this build decodes JPEG at all.
bool have_jpeg();

}  // namespace shortrun::detail

// PNG decoding with stb_image, JPEG with libjpeg-turbo (jpeg_reader.cpp), PNG encoding with
// stb_image_write, grids and conversions.
#include "shortrun/io/image_io.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <climits>
#include <cstring>
#include <sstream>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/npy.h"
#include "jpeg_reader.h"

namespace shortrun {

namespace {
uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

// stb inflates a PNG's image data into a buffer that grows as needed, so a 32x32 header over a
// few MB of IDAT could expand to gigabytes. Count what the stream inflates to (storing nothing)
// against what the header's size needs, before stb sees it.
void check_png_inflation(const std::vector<uint8_t>& b, const std::string& path) {
  if (b.size() < 8 || std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) != 0) return;
  uint64_t w = 0, h = 0, bits = 0;
  std::vector<uint8_t> idat;
  for (size_t at = 8; b.size() - at >= 8;) {
    const uint32_t len = be32(&b[at]);
    const uint8_t* type = &b[at + 4];
    if (std::memcmp(type, "IEND", 4) == 0) break;  // stb stops here, before IEND's CRC
    // stb grows its IDAT buffer to a chunk's declared length before reading it: a 60-byte file
    // declaring a 1.3 GB chunk made it allocate 1.3 GB (found by fuzz_image). Refused first.
    if (b.size() - at < 12 || len > b.size() - at - 12)
      throw file_error(path, "not a readable image (PNG chunk of " + std::to_string(len) +
                                 " bytes runs past the end of the file: truncated?); expected PNG or JPEG");
    const uint8_t* d = &b[at + 8];
    if (std::memcmp(type, "IHDR", 4) == 0 && len >= 13 && w == 0) {  // stb reads the first
      w = be32(d);
      h = be32(d + 4);
      const int channels[] = {1, 0, 3, 1, 2, 0, 4};  // by colour type
      bits = d[9] <= 6 ? uint64_t(channels[d[9]]) * d[8] : 0;
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      idat.insert(idat.end(), d, d + len);
    }
    at += 12 + size_t(len);
  }
  if (idat.empty() || w == 0 || h == 0 || bits == 0) return;  // stb refuses these itself
  // Rows of (filter byte + pixels); Adam7 interlacing adds at most a few bytes per row.
  const uint64_t need = h * (1 + (w * bits + 7) / 8);
  const uint64_t cap = 2 * need + 65536;
  const Inflated z = inflate_limited(idat.data(), idat.size(), ZFormat::kZlib, static_cast<size_t>(cap), false, false);
  if (z.status == Inflated::kTooBig)
    throw file_error(path, "PNG image data inflates past the " + std::to_string(cap) + " bytes a " + std::to_string(w) +
                               "x" + std::to_string(h) + " image can need (a decompression bomb?)");
}

// A zero-length IDAT chunk is legal and carries no data, but when it is the first one stb copies
// its 0 bytes into a buffer it has not allocated yet: memcpy(NULL, src, 0), undefined behaviour
// (found by fuzz_image under UBSan). Dropping such chunks, in place, leaves the image unchanged.
// The chunks were already walked by check_png_inflation, so each one lies inside the file.
void drop_empty_idat_chunks(std::vector<uint8_t>& b) {
  if (b.size() < 8 || std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) != 0) return;
  for (size_t at = 8; b.size() - at >= 12;) {
    const uint32_t len = be32(&b[at]);
    if (std::memcmp(&b[at + 4], "IEND", 4) == 0) break;
    if (len == 0 && std::memcmp(&b[at + 4], "IDAT", 4) == 0) {
      b.erase(b.begin() + at, b.begin() + at + 12);
      continue;
    }
    if (len > b.size() - at - 12) break;
    at += 12 + size_t(len);
  }
}

}  // namespace

bool jpeg_supported() { return detail::have_jpeg(); }

torch::Tensor read_image(const std::string& path) {
  auto bytes = read_regular_file(path);
  const std::string expected = "expected PNG or JPEG";
  if (bytes.size() > static_cast<size_t>(INT_MAX)) throw file_error(path, "image file over 2 GiB; " + expected);
  const int64_t max_pixels = kMaxImagePixels.value();
  // JPEG: libjpeg-turbo (stb's JPEG decoder has undefined behaviour on corrupt data and is not built).
  if (detail::looks_like_jpeg(bytes)) {
    const detail::DecodedJpeg j = detail::decode_jpeg(bytes, path, max_pixels);
    const torch::Tensor hwc = torch::from_blob(const_cast<uint8_t*>(j.pixels.data()), {j.height, j.width, j.channels}, torch::kUInt8);
    return hwc.permute({2, 0, 1}).to(torch::kFloat32).div_(127.5).sub_(1.0).contiguous();
  }
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, c = 0;
  // The header's dimensions first: a 20000x20000 PNG of a few KB must not be decoded at all.
  if (!stbi_info_from_memory(bytes.data(), len, &w, &h, &c))
    throw file_error(path, std::string("not a readable image (") + stbi_failure_reason() + "); " + expected);
  if (w <= 0 || h <= 0 || int64_t(w) * h > max_pixels)
    throw file_error(path, kMaxImagePixels.exceeded("image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels"));
  check_png_inflation(bytes, path);
  drop_empty_idat_chunks(bytes);
  stbi_uc* pixels = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, 0);
  if (!pixels)
    throw file_error(path, std::string("not a readable image (") + stbi_failure_reason() + "); " + expected);
  struct Free { stbi_uc* p; ~Free() { stbi_image_free(p); } } free_pixels{pixels};
  const torch::Tensor hwc = torch::from_blob(pixels, {h, w, c}, torch::kUInt8);
  return hwc.permute({2, 0, 1}).to(torch::kFloat32).div_(127.5).sub_(1.0).contiguous();
}

torch::Tensor read_image_or_npy(const std::string& path) {
  const std::string ext = lowercase_extension(path);
  if (ext == ".npy") {
    torch::Tensor t = read_npy(path);
    if (t.dim() == 3) t = t.unsqueeze(0);
    if (t.dim() != 4) throw file_error(path, "expected an array of shape [C,H,W] or [N,C,H,W], got " + std::to_string(t.dim()) + " dimensions");
    if (t.size(0) == 0 || t.numel() == 0) throw file_error(path, "holds no images; expected at least one [C,H,W] image");
    if (!torch::isfinite(t).all().item<bool>()) throw file_error(path, "contains NaN or Inf values; expected finite pixel values");
    return t;
  }
  return read_image(path).unsqueeze(0);
}

bool pads_to(int64_t h, int64_t w, int64_t height, int64_t width) {
  return h <= height && w <= width && (h < height || w < width) && (height - h) * 8 <= height && (width - w) * 8 <= width;
}

torch::Tensor conform_image(const torch::Tensor& img, int64_t channels, int64_t height, int64_t width, std::string* note) {
  torch::Tensor x = img;
  std::ostringstream what;
  const int64_t c = x.size(0);
  if (c == 2 || c == 4) {  // drop alpha
    x = x.narrow(0, 0, c - 1);
    what << "dropped alpha; ";
  }
  if (x.size(0) == 3 && channels == 1) {
    x = (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]).unsqueeze(0);
    what << "RGB -> gray; ";
  } else if (x.size(0) == 1 && channels == 3) {
    x = x.expand({3, x.size(1), x.size(2)}).contiguous();
    what << "gray -> RGB; ";
  }
  if (x.size(1) != height || x.size(2) != width) {
    const int64_t h = x.size(1), w = x.size(2);
    if (pads_to(h, w, height, width)) {
      // As the data pipeline does for Fashion-MNIST (28 -> 32): a border of background, no resampling.
      const int64_t top = (height - h) / 2, left = (width - w) / 2;
      x = torch::constant_pad_nd(x, {left, width - w - left, top, height - h - top}, -1.0);
      what << "padded " << h << "x" << w << " -> " << height << "x" << width << " with -1 (as the training data); ";
    } else {
      const double target_aspect = double(width) / double(height);
      if (std::abs(double(w) / double(h) - target_aspect) > 1e-6) {
        const int64_t cw = std::min<int64_t>(w, static_cast<int64_t>(h * target_aspect + 0.5));
        const int64_t ch = std::min<int64_t>(h, static_cast<int64_t>(cw / target_aspect + 0.5));
        x = x.narrow(1, (h - ch) / 2, ch).narrow(2, (w - cw) / 2, cw);
        what << "center-cropped " << h << "x" << w << " to " << ch << "x" << cw << "; ";
      }
      namespace F = torch::nn::functional;
      const int64_t rh = x.size(1), rw = x.size(2);
      x = F::interpolate(x.unsqueeze(0), F::InterpolateFuncOptions()
                                             .size(std::vector<int64_t>{height, width})
                                             .mode(torch::kBilinear)
                                             .align_corners(false))
              .squeeze(0);
      what << "resized " << rh << "x" << rw << " -> " << height << "x" << width << " (bilinear); ";
    }
  }
  if (note) {
    *note = what.str();
    if (note->size() >= 2) note->resize(note->size() - 2);
  }
  return x.contiguous();
}

torch::Tensor to_uint8_hwc(const torch::Tensor& chw) {
  torch::Tensor x = chw.detach().to(torch::kCPU, torch::kFloat32);
  if (x.dim() == 4) x = x.squeeze(0);
  x = torch::nan_to_num(x, 0.0).clamp(-1, 1).add(1).mul(127.5).round().to(torch::kUInt8);
  return x.permute({1, 2, 0}).contiguous();
}

namespace {
void append_bytes(void* ctx, void* data, int size) {
  auto* out = static_cast<std::string*>(ctx);
  out->append(static_cast<const char*>(data), static_cast<size_t>(size));
}
}  // namespace

void write_png_u8(const std::string& path, const torch::Tensor& hwc_in) {
  const torch::Tensor hwc = hwc_in.contiguous();
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1)), c = static_cast<int>(hwc.size(2));
  std::string encoded;
  if (!stbi_write_png_to_func(append_bytes, &encoded, w, h, c, hwc.data_ptr<uint8_t>(), w * c))
    throw file_error(path, "PNG encoding failed");
  write_file_atomic(path, [&](std::ostream& out) { out.write(encoded.data(), static_cast<std::streamsize>(encoded.size())); });
}

void write_png(const std::string& path, const torch::Tensor& x) { write_png_u8(path, to_uint8_hwc(x)); }

torch::Tensor make_grid(const torch::Tensor& batch, int64_t cols, int64_t pad, double pad_value) {
  const torch::Tensor b = batch.detach().to(torch::kCPU, torch::kFloat32);
  const int64_t n = b.size(0), c = b.size(1), h = b.size(2), w = b.size(3);
  cols = std::max<int64_t>(1, std::min(cols, n));
  const int64_t rows = (n + cols - 1) / cols;
  torch::Tensor grid = torch::full({c, rows * (h + pad) + pad, cols * (w + pad) + pad}, pad_value);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = i / cols, col = i % cols;
    grid.narrow(1, pad + r * (h + pad), h).narrow(2, pad + col * (w + pad), w).copy_(b[i]);
  }
  return grid;
}

}  // namespace shortrun

// Images as tensors: PNG/JPEG (stb_image) in, PNG out, image grids. Pixel values live in
// [-1, 1] as float32 [C,H,W]; files hold 0..255.
#pragma once
#include <string>

#include <torch/torch.h>

namespace shortrun {

// [C,H,W] float32 in [-1,1]; C is the file's channel count (1, 2, 3 or 4).
torch::Tensor read_image(const std::string& path);
// Reads a PNG/JPEG or .npy ([C,H,W] or [N,C,H,W]); returns [N,C,H,W] float32.
torch::Tensor read_image_or_npy(const std::string& path);

// Converts channels (gray <-> RGB, drops alpha) and resizes (bilinear, center-crop to square
// first) so an image fits a model. `note` receives a line describing what was changed.
torch::Tensor conform_image(const torch::Tensor& img, int64_t channels, int64_t height, int64_t width,
                            std::string* note = nullptr);

// x: [C,H,W] (or [1,C,H,W]) float in [-1,1] -> 8-bit PNG, written atomically.
void write_png(const std::string& path, const torch::Tensor& x);
// x: [H,W,C] uint8 -> PNG.
void write_png_u8(const std::string& path, const torch::Tensor& hwc);

// [N,C,H,W] -> [C, rows*(H+pad)+pad, cols*(W+pad)+pad], background pad_value.
torch::Tensor make_grid(const torch::Tensor& batch, int64_t cols, int64_t pad = 2, double pad_value = 1.0);

// [-1,1] float [C,H,W] -> uint8 [H,W,C] (clamped, rounded).
torch::Tensor to_uint8_hwc(const torch::Tensor& chw);

}  // namespace shortrun

// Images as tensors: PNG (stb_image) and JPEG (libjpeg-turbo) in, PNG out, image grids. Pixel values live in
// [-1, 1] as float32 [C,H,W]; files hold 0..255.
#pragma once
#include <string>

#include <torch/torch.h>

namespace shortrun {

// [C,H,W] float32 in [-1,1]; C is the file's channel count (1, 2, 3 or 4).
torch::Tensor read_image(const std::string& path);
// Whether this build decodes JPEG (libjpeg-turbo found at build time); without it a JPEG file is
// refused with one line saying so.
bool jpeg_supported();
// Reads a PNG/JPEG or .npy ([C,H,W] or [N,C,H,W]); returns [N,C,H,W] float32.
torch::Tensor read_image_or_npy(const std::string& path);

// Converts channels (gray <-> RGB, drops alpha) and fits the size so an image fits a model: an
// image a little smaller than the model's (pads_to: 28x28 into 32x32, as the Fashion-MNIST data
// pipeline does) is centred on a border of -1; any other size is center-cropped to the model's
// aspect and resized (bilinear). `note` receives a line saying what was changed ("" if nothing).
torch::Tensor conform_image(const torch::Tensor& img, int64_t channels, int64_t height, int64_t width,
                            std::string* note = nullptr);

// Whether an h×w image is padded (not resized) to height×width: it fits, and each border is at
// most 1/8 of the side (28 -> 32).
bool pads_to(int64_t h, int64_t w, int64_t height, int64_t width);

// x: [C,H,W] (or [1,C,H,W]) float in [-1,1] -> 8-bit PNG, written atomically.
void write_png(const std::string& path, const torch::Tensor& x);
// x: [H,W,C] uint8 -> PNG.
void write_png_u8(const std::string& path, const torch::Tensor& hwc);

// [N,C,H,W] -> [C, rows*(H+pad)+pad, cols*(W+pad)+pad], background pad_value.
torch::Tensor make_grid(const torch::Tensor& batch, int64_t cols, int64_t pad = 2, double pad_value = 1.0);

// [-1,1] float [C,H,W] -> uint8 [H,W,C] (clamped, rounded).
torch::Tensor to_uint8_hwc(const torch::Tensor& chw);

}  // namespace shortrun

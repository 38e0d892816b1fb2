// Draws the Table 1 figure of compare-models (comparison_figure.h) on the CLI's Raster.
#include "comparison_figure.h"

#include <algorithm>
#include <cstdio>

#include "raster.h"
#include "shortrun/base/printable.h"

namespace shortrun::cli {
namespace {

constexpr int kScale = 2, kGap = 6, kPad = 12, kLabelW = 150, kNumbersW = 230, kTitleH = 18;
const Rgb kBg{255, 255, 255}, kInk{20, 20, 20}, kGrey{110, 110, 110};

// One [C,H,W] image in [-1,1] at (x, y), each pixel kScale × kScale. Hidden pixels (mask 0) tinted.
void blit(Raster& r, const torch::Tensor& img, int x, int y, const torch::Tensor& hidden = torch::Tensor()) {
  const torch::Tensor u8 = ((img.to(torch::kFloat32).clamp(-1, 1) + 1) * 127.5).round().to(torch::kUInt8).contiguous();
  const int64_t c = u8.size(0), h = u8.size(1), w = u8.size(2);
  const uint8_t* p = u8.data_ptr<uint8_t>();
  const torch::Tensor hid = hidden.defined() ? hidden.to(torch::kUInt8).contiguous() : torch::Tensor();
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      const auto at = [&](int64_t ch) { return p[(std::min(ch, c - 1) * h + i) * w + j]; };
      Rgb px{at(0), at(1), at(2)};
      if (hid.defined() && hid.data_ptr<uint8_t>()[i * w + j]) px = Rgb{uint8_t(60 + px.r / 4), uint8_t(90 + px.g / 4), uint8_t(150 + px.b / 5)};
      r.fill_rect(x + int(j) * kScale, y + int(i) * kScale, x + int(j + 1) * kScale, y + int(i + 1) * kScale, px);
    }
}

std::string fmt(const char* f, double v) {
  char s[64];
  std::snprintf(s, sizeof s, f, v);
  return s;
}

}  // namespace

void write_comparison_figure(const std::string& path, const nlohmann::json& rows, const std::vector<ComparisonImages>& images,
                             const torch::Tensor& test, const torch::Tensor& mask) {
  const int side = int(test.size(1)) * kScale;
  int samples = 0;
  for (const ComparisonImages& im : images) samples = std::max<int>(samples, int(im.samples.size(0)));
  const int x_samples = kPad + kLabelW;
  const int x_recon = x_samples + samples * (side + 2) + 3 * kGap;
  const int x_masked = x_recon + side + kGap;
  const int x_numbers = x_masked + side + 3 * kGap;
  const int width = x_numbers + kNumbersW + kPad;
  const int row_h = kTitleH + side + kGap * 2;
  const int height = kPad + row_h * (1 + int(images.size())) + kPad;
  Raster r(width, height, kBg);
  const float fs = 12.0f;
  // The header row: the test image and what the mask leaves of it.
  int y = kPad;
  r.text(float(kPad), float(y + kTitleH), "test image 0", fs, kInk);
  r.text(float(kPad), float(y + kTitleH + 16), "(observed / masked)", fs, kGrey);
  blit(r, test, x_recon, y + kTitleH);
  blit(r, test, x_masked, y + kTitleH, mask[0][0] < 0.5);
  r.text(float(x_samples), float(y), "samples (seed's latents 0..)", fs, kGrey);
  r.text(float(x_recon), float(y), "recon", fs, kGrey);
  r.text(float(x_masked), float(y), "masked", fs, kGrey);
  r.text(float(x_numbers), float(y), "FD / recon MSE / masked MSE", fs, kGrey);
  for (size_t m = 0; m < images.size(); ++m) {
    y += row_h;
    const nlohmann::json& row = rows[m];
    r.fill_rect(kPad, y - kGap, width - kPad, y - kGap + 1, Rgb{210, 210, 210});
    const std::string kind = row["kind"].get<std::string>();
    r.text(float(kPad), float(y + kTitleH), kind == "ebm" ? "short-run EBM" : kind == "vae" ? "VAE" : "GAN", 14.0f, kInk);
    std::string name = row["model"].get<std::string>();
    if (name.size() > 22) name = "..." + name.substr(name.size() - 19);
    r.text(float(kPad), float(y + kTitleH + 18), name, 10.0f, kGrey);
    const ComparisonImages& im = images[m];
    for (int64_t s = 0; s < im.samples.size(0); ++s) blit(r, im.samples[s], x_samples + int(s) * (side + 2), y + kTitleH);
    blit(r, im.recon, x_recon, y + kTitleH);
    blit(r, im.masked, x_masked, y + kTitleH);
    float ty = float(y + kTitleH);
    r.text(float(x_numbers), ty, "FD " + fmt("%.2f", row["fd"].get<double>()), fs, kInk);
    r.text(float(x_numbers), ty + 16, "recon MSE " + fmt("%.4f", row["recon_mse"].get<double>()), fs, kInk);
    r.text(float(x_numbers), ty + 32, "masked MSE " + fmt("%.4f", row["masked_recon_mse"].get<double>()), fs, kInk);
    r.text(float(x_numbers), ty + 48, fmt("%.4f s/sample", row["seconds_per_sample"].get<double>()) + fmt(", %.3f s/recon", row["seconds_per_reconstruction"].get<double>()), 10.0f, kGrey);
  }
  r.write_png(path);
}

}  // namespace shortrun::cli

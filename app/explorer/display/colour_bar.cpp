// ColourBar (see colour_bar.h).
#include "display/colour_bar.h"

#include <cstdio>
#include <vector>

namespace shortrun::explorer {

namespace {
constexpr int kSamples = 128;

std::string label(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}
}  // namespace

void ColourBar::draw(TextureUpload& uploader, ColormapPass& pass, const DisplayParams& params, float width) {
  const bool changed = !rendered_ || params.lo != shown_.lo || params.hi != shown_.hi || params.colormap != shown_.colormap;
  if (changed) {
    std::vector<float> ramp(kSamples);
    for (int i = 0; i < kSamples; ++i) ramp[i] = params.lo + (params.hi - params.lo) * (float(i) + 0.5f) / float(kSamples);
    image_.ensure(kSamples, 1, 1);
    image_.upload(uploader, {Tile{0, 0, kSamples, 1, 1, ramp.data(), nullptr, 0}});
    DisplayParams p = params;
    p.nearest = false;
    image_.render(pass, p);
    shown_ = params;
    rendered_ = true;
  }
  const float h = ImGui::GetTextLineHeight() * 0.7f;
  ImGui::Image(image_.id(), ImVec2(width, h));
  const ImVec2 below = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 c = IM_COL32(170, 170, 170, 255);
  const std::string lo = label(params.lo), mid = label(0.5f * (params.lo + params.hi)), hi = label(params.hi);
  dl->AddText(below, c, lo.c_str());
  dl->AddText(ImVec2(below.x + width / 2 - ImGui::CalcTextSize(mid.c_str()).x / 2, below.y), c, mid.c_str());
  dl->AddText(ImVec2(below.x + width - ImGui::CalcTextSize(hi.c_str()).x, below.y), c, hi.c_str());
  ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
}

}  // namespace shortrun::explorer

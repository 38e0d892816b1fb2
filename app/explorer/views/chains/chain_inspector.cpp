// The enlarged chain of the Chains tab, inspected like an image viewer (tev): zoom with the
// wheel, pan by dragging, the pixel under the mouse read out, and a difference heatmap against
// the previous kept step or against a pinned step, with its colour bar.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "views/chains/chains_ui.h"

namespace shortrun::explorer {

namespace {

// The chain under the current seed becomes an interpolation endpoint (a request by the names the
// Interpolation tab's controls have).
void use_as_endpoint(ViewContext& ctx, const std::string& which, int chain) {
  ctx.set_control("seed_" + which, ctx.session.sampler.seed);
  ctx.set_control("chain_" + which, chain);
}

// The image of chain i at kept step k, channel-averaged into `out` (H·W); false if not kept.
bool chain_image(const ChainRun& run, int i, int k, std::vector<float>* out) {
  const ImageShape& s = run.shape;
  if (k < 0 || k >= int(run.frames.size()) || run.frames[k].empty()) return false;
  const float* p = run.frames[k].data() + size_t(i) * s.image_floats();
  out->assign(size_t(s.w) * s.h, 0.0f);
  for (int q = 0; q < s.w * s.h; ++q) {
    float acc = 0;
    for (int ch = 0; ch < s.c; ++ch) acc += p[q * s.c + ch];
    (*out)[q] = acc / float(s.c);
  }
  return true;
}

// Zoomable, pannable view of a texture region; returns the hovered image pixel (or -1,-1).
std::pair<int, int> zoom_view(const char* id, ImTextureID tex, ImVec2 uv0, ImVec2 uv1, int w, int h, float size,
                              InspectorView& v) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, ImVec2(size, size));
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0) {
    // Zoom about the mouse: keep the image point under it fixed.
    const float mx = (io.MousePos.x - origin.x) / size, my = (io.MousePos.y - origin.y) / size;
    const float px = v.cx + (mx - 0.5f) / v.zoom, py = v.cy + (my - 0.5f) / v.zoom;
    v.zoom = std::clamp(v.zoom * std::pow(1.25f, io.MouseWheel), 1.0f, 32.0f);
    v.cx = px - (mx - 0.5f) / v.zoom;
    v.cy = py - (my - 0.5f) / v.zoom;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
    v.cx -= io.MouseDelta.x / size / v.zoom;
    v.cy -= io.MouseDelta.y / size / v.zoom;
  }
  const float half = 0.5f / v.zoom;
  v.cx = std::clamp(v.cx, half, 1.0f - half);
  v.cy = std::clamp(v.cy, half, 1.0f - half);
  const auto lerp = [](float a, float b, float t) { return a + (b - a) * t; };
  const ImVec2 a(lerp(uv0.x, uv1.x, v.cx - half), lerp(uv0.y, uv1.y, v.cy - half));
  const ImVec2 b(lerp(uv0.x, uv1.x, v.cx + half), lerp(uv0.y, uv1.y, v.cy + half));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddImage(tex, origin, ImVec2(origin.x + size, origin.y + size), a, b);
  dl->AddRect(origin, ImVec2(origin.x + size, origin.y + size), IM_COL32(110, 110, 120, 255));
  if (!hovered) return {-1, -1};
  const float fx = v.cx + ((io.MousePos.x - origin.x) / size - 0.5f) / v.zoom;
  const float fy = v.cy + ((io.MousePos.y - origin.y) / size - 0.5f) / v.zoom;
  const int px = std::clamp(int(fx * float(w)), 0, w - 1), py = std::clamp(int(fy * float(h)), 0, h - 1);
  // Outline the hovered pixel.
  const float cell = size * v.zoom / float(w);
  const float sx = origin.x + (float(px) / float(w) - (v.cx - half)) * v.zoom * size;
  const float sy = origin.y + (float(py) / float(h) - (v.cy - half)) * v.zoom * size;
  if (cell >= 4) dl->AddRect(ImVec2(sx, sy), ImVec2(sx + cell, sy + cell), IM_COL32(255, 220, 80, 220));
  return {px, py};
}

}  // namespace

void draw_chain_inspector(ViewContext& ctx, ChainsUi& c, const ChainRun& run, float big) {
  InspectorUi& ins = c.inspector;
  const int i = c.selected;
  const ImageShape& s = run.shape;
  const int k = c.step;
  const int ready = run.ready.load();
  ImGui::Text("chain %d at step %d", i, k);
  ImGui::SameLine();
  if (ImGui::SmallButton("close")) select_chain(c, &run, -1);
  tip("back to the grid alone");
  ImGui::SameLine();
  if (ImGui::SmallButton("reset view")) ins.image_view = ins.heat_view = InspectorView{};
  ins.heat_view = ins.image_view;  // one view for both (see zoom_view below)
  tip("zoom 1x, centred (the wheel zooms, dragging pans)");

  // The difference shown: x_b − x_a, where b is the shown (kept) step and a is the previous kept
  // step or the pinned one. The same pair drives the heatmap and the |dx| read-out below.
  const int b = run.kept(std::min(k, ready - 1));
  int a = -1;
  if (ins.against_pinned && ins.pinned_step >= 0 && ins.pinned_step < ready) a = run.kept(ins.pinned_step);
  else if (b > 0) a = run.kept(b - 1);

  const ImageGrid& grid = c.tex->grid;
  const ImVec2 uv0 = grid.uv0(i), uv1 = grid.uv1(i);
  ImGui::BeginGroup();
  // One view for the image and its difference heatmap: the wheel or a drag on either moves both.
  const auto hover_img = zoom_view("inspect_image", grid.texture(), uv0, uv1, s.w, s.h, big, ins.image_view);
  tip("x at the shown step: the wheel zooms (the heatmap beside it follows), dragging pans");
  ImGui::TextDisabled("x_%d (zoom %.1fx)", b, ins.image_view.zoom);
  ImGui::EndGroup();
  ImGui::SameLine();

  DisplayImage& heat = c.tex->heat;
  heat.ensure(s.w, s.h, 1);
  const std::tuple<uint64_t, int, int, int, float, bool> key{run.id, i, a, b, c.residual_range, c.residual_auto};
  std::vector<float> xa, xb, d;
  const bool have_pair = a >= 0 && a != b && chain_image(run, i, a, &xa) && chain_image(run, i, b, &xb);
  if (have_pair) {
    d.resize(xa.size());
    for (size_t q = 0; q < d.size(); ++q) d[q] = xb[q] - xa[q];
  }
  if (have_pair && key != ins.shown_heat) {
    ins.shown_heat = key;
    float max_abs = 0;
    for (float v : d) max_abs = std::max(max_abs, std::fabs(v));
    heat.upload(ctx.uploader, {Tile{0, 0, s.w, s.h, 1, d.data(), nullptr, 0}});
    if (c.residual_auto) c.residual_range = std::max(max_abs, 1e-6f);
    DisplayParams p;
    p.lo = -c.residual_range;
    p.hi = c.residual_range;
    p.colormap = Colormap::kDiverging;
    heat.render(ctx.colormap, p);
  }
  ImGui::BeginGroup();
  std::pair<int, int> hover_heat{-1, -1};
  ins.heat_note.clear();
  if (have_pair) {
    hover_heat = zoom_view("inspect_heat", heat.id(), ImVec2(0, 0), ImVec2(1, 1), s.w, s.h, big, ins.image_view);
    tip("the difference x_b - x_a: the wheel zooms (the image beside it follows), dragging pans");
    ImGui::TextDisabled("x_%d - x_%d (channel mean)", b, a);
    DisplayParams p;
    p.lo = -c.residual_range;
    p.hi = c.residual_range;
    p.colormap = Colormap::kDiverging;
    c.tex->heat_bar.draw(ctx.uploader, ctx.colormap, p, big);
  } else {
    ImGui::Dummy(ImVec2(big, big));
    const bool pinned = ins.against_pinned && ins.pinned_step >= 0;
    const char* why = !pinned && b == 0             ? "no difference at step 0"
                      : pinned && a == b             ? "this is the pinned step: no difference to itself (scrub away from it)"
                      : pinned && ins.pinned_step >= ready ? "the pinned step is not sampled yet"
                                                     : "no image kept for that step";
    ins.heat_note = why;
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + big);
    ImGui::TextDisabled("%s", why);
    ImGui::PopTextWrapPos();
  }
  ImGui::SetNextItemWidth(big - 60);
  if (ImGui::SliderFloat("##range", &c.residual_range, 1e-4f, 2.0f, "+-%.3g", ImGuiSliderFlags_Logarithmic))
    c.residual_auto = false;
  tip("colour range of the difference heatmap (symmetric)");
  ImGui::SameLine();
  ImGui::Checkbox("auto", &c.residual_auto);
  tip("range = the largest |difference| at this step");
  ImGui::EndGroup();

  // Hover read-out: the pixel's value at step b, and the difference shown.
  const std::pair<int, int> hp = hover_img.first >= 0 ? hover_img : hover_heat;
  if (hp.first >= 0) {
    const int q = hp.second * s.w + hp.first;
    const float* px = run.frames[b].empty() ? nullptr : run.frames[b].data() + size_t(i) * s.image_floats() + size_t(q) * s.c;
    ImGui::BeginTooltip();
    ImGui::Text("pixel (%d, %d) at step %d", hp.first, hp.second, b);
    if (px) {
      if (s.c == 1) ImGui::Text("value %.4f", px[0]);
      else ImGui::Text("RGB %.4f %.4f %.4f", px[0], px[1], px[2]);
    }
    if (have_pair) ImGui::Text("x_%d - x_%d = %+.5f", b, a, d[q]);
    ImGui::EndTooltip();
  }

  if (ImGui::Checkbox("difference against a pinned step", &ins.against_pinned) && ins.against_pinned && ins.pinned_step < 0)
    ins.pinned_step = b;
  tip("off: against the previous kept step; on: against the step pinned below");
  if (ins.against_pinned) {
    ImGui::SameLine();
    if (ImGui::SmallButton("pin this step")) ins.pinned_step = b;
    ImGui::SameLine();
    ImGui::TextDisabled("pinned: step %d", ins.pinned_step);
  }
  if (ImGui::Button("Use as endpoint A")) use_as_endpoint(ctx, "a", i);
  tip("interpolate from this chain (Interpolation tab)");
  ImGui::SameLine();
  if (ImGui::Button("Use as endpoint B")) use_as_endpoint(ctx, "b", i);
  tip("interpolate to this chain (Interpolation tab)");
  if (ready > 0) {
    // The norm of exactly the difference the heatmap shows (all channels), so the two agree.
    double norm = 0;
    if (have_pair) {
      const float* pa = run.frames[a].data() + size_t(i) * s.image_floats();
      const float* pb = run.frames[b].data() + size_t(i) * s.image_floats();
      for (size_t q = 0; q < s.image_floats(); ++q) norm += double(pb[q] - pa[q]) * double(pb[q] - pa[q]);
    }
    ins.pair = {a, b};
    ins.pair_norm = have_pair ? std::sqrt(norm) : -1.0;
    if (have_pair)
      ImGui::TextWrapped("f = %.5g   |grad f| = %.4g   |x_%d - x_%d| = %.4g", run.energy[b][i], run.grad_norm[b][i], b, a,
                         ins.pair_norm);
    else
      ImGui::TextWrapped("f = %.5g   |grad f| = %.4g", run.energy[b][i], run.grad_norm[b][i]);
    tip("f and |grad f| at the shown step, and the norm of the difference the heatmap shows");
  }
}

}  // namespace shortrun::explorer

// Interpolation panel: two endpoints (chains or seeds), a ρ slider whose drag regenerates the
// image live, a strip of images across ρ, and the energy f(M(z_ρ)) along the path.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "explorer.h"
#include "layout_util.h"
#include "pixel_readout.h"
#include "plots.h"

namespace shortrun::explorer {

namespace {

InterpRequest request_of(const Explorer& ex) {
  InterpRequest r;
  r.seed_a = ex.interp.seed_a;
  r.chain_a = ex.interp.chain_a;
  r.seed_b = ex.interp.seed_b;
  r.chain_b = ex.interp.chain_b;
  r.path = ex.interp.path == 0 ? "linear" : "spherical";
  r.noise = ex.interp.noise == 0 ? "fixed" : ex.interp.noise == 1 ? "mixed" : "off";
  r.sampler = ex.sampler;
  return r;
}

void upload_images(Explorer& ex, DisplayImage& img, const InterpResult& r) {
  const ImageShape& s = r.shape;
  img.ensure(s.w * s.n, s.h, s.c);
  std::vector<Tile> tiles;
  for (int i = 0; i < s.n; ++i) tiles.push_back(Tile{i * s.w, 0, s.w, s.h, s.c, r.images.data() + size_t(i) * s.image_floats()});
  img.upload(*ex.uploader, tiles);
  DisplayParams p;
  img.render(*ex.colormap, p);
}

}  // namespace

void draw_interpolation_panel(Explorer& ex) {
  InterpUi& in = ex.interp;
  if (!ex.pub.model) {
    ImGui::TextDisabled("load a model first");
    return;
  }
  // Post what changed; the worker drops superseded requests, so a drag stays live.
  if (in.dirty_strip) {
    InterpRequest r = request_of(ex);
    for (int i = 0; i < in.points; ++i) r.rho.push_back(float(i) / float(in.points - 1));
    ex.worker->interpolate(r, false);
    in.dirty_strip = false;
  }
  if (in.dirty_live) {
    InterpRequest r = request_of(ex);
    r.rho = {in.rho};
    ex.worker->interpolate(r, true);
    in.dirty_live = false;
  }

  bool changed = false;
  ImGui::PushItemWidth(90);
  ImGui::TextUnformatted("A:");
  ImGui::SameLine();
  changed |= ImGui::InputInt("seed##a", &in.seed_a);
  tip("endpoint A's seed");
  same_line_if_fits(labelled_width("chain##a", 90));
  changed |= ImGui::InputInt("chain##a", &in.chain_a);
  tip("endpoint A's chain index: its z and u_k are those of chain i under the seed");
  same_line_if_fits(labelled_width("B: seed##b", 90), 30);
  ImGui::TextUnformatted("B:");
  ImGui::SameLine();
  changed |= ImGui::InputInt("seed##b", &in.seed_b);
  tip("endpoint B's seed");
  same_line_if_fits(labelled_width("chain##b", 90));
  changed |= ImGui::InputInt("chain##b", &in.chain_b);
  tip("endpoint B's chain index");
  ImGui::PopItemWidth();
  in.chain_a = std::max(0, in.chain_a);
  in.chain_b = std::max(0, in.chain_b);
  same_line_if_fits(ImGui::CalcTextSize("Random endpoints").x + 2 * ImGui::GetStyle().FramePadding.x, 30);
  if (ImGui::Button("Random endpoints")) ex.random_endpoints();
  tip("two fresh seeds (chain 0 of each)");
  same_line_if_fits(ImGui::CalcTextSize("(or select a chain in Chains: 'Use as endpoint A/B')").x);
  ImGui::TextDisabled("(or select a chain in Chains: 'Use as endpoint A/B')");

  ImGui::SetNextItemWidth(150);
  changed |= ImGui::Combo("path", &in.path, "linear\0spherical\0");
  tip("linear: z = (1-rho) z1 + rho z2 (mid-path noise has lower variance); spherical: sqrt(1-rho^2) z1 + rho z2 "
      "(keeps the variance)");
  same_line_if_fits(labelled_width("noise", 150));
  ImGui::SetNextItemWidth(150);
  changed |= ImGui::Combo("noise", &in.noise, "fixed (A's u_k)\0mixed\0off\0");
  tip("Langevin noise along the path: A's u_k everywhere, mixed like z (both ends exact), or none");
  same_line_if_fits(labelled_width("strip points", 120));
  ImGui::SetNextItemWidth(120);
  if (ImGui::SliderInt("strip points", &in.points, 2, 16)) in.dirty_strip = true;
  tip("number of images across rho in the strip");
  if (changed) in.dirty_live = in.dirty_strip = true;

  const ImageShape shape = ex.pub.model->shape;
  const float avail = ImGui::GetContentRegionAvail().x;
  // Live ρ image, large.
  const float big = std::floor(std::min(avail * 0.35f, 320.0f) / shape.w) * shape.w;
  ImGui::SetNextItemWidth(avail - 20);
  if (ImGui::SliderFloat("##rho", &in.rho, 0.0f, 1.0f, "rho = %.3f")) in.dirty_live = true;
  tip("position on the path: drag and the image below is regenerated (K steps) live");
  const InterpResult* live = ex.pub.interp_live.get();
  if (live && live->id != in.shown_live) {
    upload_images(ex, ex.views->interp_live, *live);
    in.shown_live = live->id;
  }
  ImGui::BeginGroup();
  if (live) {
    ImGui::Image(ex.views->interp_live.id(), ImVec2(big, big));
    tip("M(z_rho, u): the chain started at the interpolated noise");
    pixel_readout(live->images.data(), live->shape.w, live->shape.h, live->shape.c);
    ImGui::Text("rho %.3f   f = %.5g   (%.0f ms)", live->rho[0], live->energy[0], live->seconds * 1000);
  } else {
    ImGui::Dummy(ImVec2(big, big));
  }
  ImGui::EndGroup();
  ImGui::SameLine();
  // Energy along the path: the strip's points, with the live ρ marked.
  ImGui::BeginGroup();
  const InterpResult* strip = ex.pub.interp_strip.get();
  if (strip) {
    PlotSpec spec;
    spec.title = "f(M(z_rho)) along the path (x: strip index; yellow: live rho)";
    spec.x_count = strip->shape.n;
    spec.x_label = "point";
    spec.size = ImVec2(ImGui::GetContentRegionAvail().x, big * 0.8f);
    spec.marker = int(std::lround(in.rho * float(strip->shape.n - 1)));
    const int picked = plot_lines("path_energy", spec, {{strip->energy, IM_COL32(90, 200, 255, 255), 2.0f, "f"}});
    if (picked >= 0) {
      in.rho = strip->rho[picked];
      in.dirty_live = true;
    }
    ImGui::TextDisabled("%s path, %s noise, %d points in %.2f s", strip->path.c_str(), strip->noise.c_str(), strip->shape.n,
                        strip->seconds);
    if (ImGui::Button("Export strip PNG")) ex.export_strip_png();
    tip("the strip as one PNG (magnified by the Export panel's factor), with a .json of the endpoints and settings");
  }
  ImGui::EndGroup();

  // Strip across ρ: click an image to jump the slider there.
  if (strip && strip->id != in.shown_strip) {
    upload_images(ex, ex.views->interp_strip, *strip);
    in.shown_strip = strip->id;
  }
  if (strip) {
    ImGui::Separator();
    ImGui::TextUnformatted("strip across rho (A on the left, B on the right; click one to move the slider there)");
    const int n = strip->shape.n;
    const float tile = std::floor(std::min((avail - 4.0f * n) / n, 8.0f * shape.w));
    for (int i = 0; i < n; ++i) {
      if (i) ImGui::SameLine(0, 4);
      ImGui::PushID(i);
      const float u0 = float(i) / n, u1 = float(i + 1) / n;
      if (ImGui::ImageButton(ex.views->interp_strip.id(), ImVec2(tile, tile), ImVec2(u0, 0), ImVec2(u1, 1), 0)) {
        in.rho = strip->rho[i];
        in.dirty_live = true;
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("rho %.3f  f = %.5g", strip->rho[i], strip->energy[i]);
      ImGui::PopID();
    }
  }
}

}  // namespace shortrun::explorer

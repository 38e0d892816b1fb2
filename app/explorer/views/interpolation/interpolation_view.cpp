// The Interpolation tab: two endpoints (chains or seeds), a ρ slider whose drag regenerates the
// image live, a strip of images across ρ, the energy f(M(z_ρ)) along the path, and the strip's
// PNG export. With a VAE or GAN loaded the same tab moves z ~ N(0, I) of latents (seed, index)
// through its decoder/generator (generators/generator.h); there is no chain noise and no energy.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include <cstdio>

#include "display/display_image.h"
#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "widgets/pixel_readout.h"
#include "widgets/plots.h"
#include "worker/sampler_settings.h"
#include "worker/worker.h"

namespace shortrun::explorer {

namespace {

struct InterpUi {
  int seed_a = 1, chain_a = 0, seed_b = 2, chain_b = 0;
  float rho = 0.5f;
  int path = 1;               // 0 linear, 1 spherical
  int noise = 0;              // 0 fixed, 1 mixed, 2 off
  int points = 8;
  bool dirty_live = true, dirty_strip = true;
  uint64_t shown_live = 0, shown_strip = 0;
  struct Textures {
    DisplayImage live, strip;
  };
  std::unique_ptr<Textures> tex = std::make_unique<Textures>();
};

void random_endpoints(InterpUi& in) {
  // New seeds from a counter so scripted sessions stay reproducible.
  static int draws = 0;
  ++draws;
  in.seed_a = 1000 + 2 * draws;
  in.seed_b = 1001 + 2 * draws;
  in.chain_a = in.chain_b = 0;
  in.dirty_live = in.dirty_strip = true;
}

InterpRequest request_of(const InterpUi& in, const SamplerSettings& sampler) {
  InterpRequest r;
  r.seed_a = in.seed_a;
  r.chain_a = in.chain_a;
  r.seed_b = in.seed_b;
  r.chain_b = in.chain_b;
  r.path = in.path == 0 ? "linear" : "spherical";
  r.noise = in.noise == 0 ? "fixed" : in.noise == 1 ? "mixed" : "off";
  r.sampler = sampler;
  return r;
}

void upload_images(ViewContext& ctx, DisplayImage& img, const InterpResult& r) {
  const ImageShape& s = r.shape;
  img.ensure(s.w * s.n, s.h, s.c);
  std::vector<Tile> tiles;
  for (int i = 0; i < s.n; ++i) tiles.push_back(Tile{i * s.w, 0, s.w, s.h, s.c, r.images.data() + size_t(i) * s.image_floats()});
  img.upload(ctx.uploader, tiles);
  DisplayParams p;
  img.render(ctx.colormap, p);
}

void draw_interpolation(ViewContext& ctx, InterpUi& in) {
  const Published& pub = ctx.session.pub;
  if (!pub.model) {
    ImGui::TextDisabled("load a model first");
    return;
  }
  // Post what changed; the worker drops superseded requests, so a drag stays live.
  if (in.dirty_strip) {
    InterpRequest r = request_of(in, ctx.session.sampler);
    for (int i = 0; i < in.points; ++i) r.rho.push_back(float(i) / float(in.points - 1));
    ctx.session.worker->interpolate(r, false);
    in.dirty_strip = false;
  }
  if (in.dirty_live) {
    InterpRequest r = request_of(in, ctx.session.sampler);
    r.rho = {in.rho};
    ctx.session.worker->interpolate(r, true);
    in.dirty_live = false;
  }

  bool changed = false;
  ImGui::PushItemWidth(90);
  ImGui::TextUnformatted("A:");
  ImGui::SameLine();
  changed |= ImGui::InputInt("seed##a", &in.seed_a);
  tip("endpoint A's seed");
  // An EBM's endpoint is a chain (z and u_k); a VAE's or GAN's is latent index i (z_i ~ N(0, I)).
  const bool ebm = pub.model->is_ebm();
  same_line_if_fits(labelled_width("chain##a", 90));
  changed |= ImGui::InputInt(ebm ? "chain##a" : "index##a", &in.chain_a);
  tip(ebm ? "endpoint A's chain index: its z and u_k are those of chain i under the seed"
          : "endpoint A's latent index: z_i ~ N(0, I) under the seed, as shortrun generate draws image i");
  same_line_if_fits(labelled_width("B: seed##b", 90), 30);
  ImGui::TextUnformatted("B:");
  ImGui::SameLine();
  changed |= ImGui::InputInt("seed##b", &in.seed_b);
  tip("endpoint B's seed");
  same_line_if_fits(labelled_width("chain##b", 90));
  changed |= ImGui::InputInt(ebm ? "chain##b" : "index##b", &in.chain_b);
  tip("endpoint B's chain index");
  ImGui::PopItemWidth();
  in.chain_a = std::max(0, in.chain_a);
  in.chain_b = std::max(0, in.chain_b);
  same_line_if_fits(ImGui::CalcTextSize("Random endpoints").x + 2 * ImGui::GetStyle().FramePadding.x, 30);
  if (ImGui::Button("Random endpoints")) random_endpoints(in);
  tip("two fresh seeds (chain 0 of each)");
  if (ebm) {
    same_line_if_fits(ImGui::CalcTextSize("(or select a chain in Chains: 'Use as endpoint A/B')").x);
    ImGui::TextDisabled("(or select a chain in Chains: 'Use as endpoint A/B')");
  }

  ImGui::SetNextItemWidth(150);
  changed |= ImGui::Combo("path", &in.path, "linear\0spherical\0");
  tip("linear: z = (1-rho) z1 + rho z2 (mid-path noise has lower variance); spherical: sqrt(1-rho^2) z1 + rho z2 "
      "(keeps the variance)");
  same_line_if_fits(labelled_width("noise", 150));
  {
    DisabledWhy off(!pub.model->is_ebm(), "a " + pub.model->kind_name + " has no Langevin noise: its image is a function of z alone");
    ImGui::SetNextItemWidth(150);
    changed |= ImGui::Combo("noise", &in.noise, "fixed (A's u_k)\0mixed\0off\0");
    tip("Langevin noise along the path: A's u_k everywhere, mixed like z (both ends exact), or none");
  }
  same_line_if_fits(labelled_width("strip points", 120));
  ImGui::SetNextItemWidth(120);
  if (ImGui::SliderInt("strip points", &in.points, 2, 16)) in.dirty_strip = true;
  tip("number of images across rho in the strip");
  if (changed) in.dirty_live = in.dirty_strip = true;

  const ImageShape shape = pub.model->shape;
  const float avail = ImGui::GetContentRegionAvail().x;
  // Live ρ image, large.
  const float big = std::floor(std::min(avail * 0.35f, 320.0f) / shape.w) * shape.w;
  ImGui::SetNextItemWidth(avail - 20);
  if (ImGui::SliderFloat("##rho", &in.rho, 0.0f, 1.0f, "rho = %.3f")) in.dirty_live = true;
  tip("position on the path: drag and the image below is regenerated (K steps) live");
  const InterpResult* live = pub.interp_live.get();
  if (live && live->id != in.shown_live) {
    upload_images(ctx, in.tex->live, *live);
    in.shown_live = live->id;
  }
  ImGui::BeginGroup();
  if (live) {
    ImGui::Image(in.tex->live.id(), ImVec2(big, big));
    tip("M(z_rho, u): the chain started at the interpolated noise");
    pixel_readout(live->images.data(), live->shape.w, live->shape.h, live->shape.c);
    if (live->kind == "ebm") ImGui::Text("rho %.3f   f = %.5g   (%.0f ms)", live->rho[0], live->energy[0], live->seconds * 1000);
    else ImGui::Text("rho %.3f   (%.0f ms)", live->rho[0], live->seconds * 1000);
  } else {
    ImGui::Dummy(ImVec2(big, big));
  }
  ImGui::EndGroup();
  ImGui::SameLine();
  // Energy along the path: the strip's points, with the live ρ marked.
  ImGui::BeginGroup();
  const InterpResult* strip = pub.interp_strip.get();
  if (strip && strip->kind != "ebm") {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(("the " + pub.model->kind_name + " interpolates " + strip->method).c_str());
    ImGui::TextDisabled("endpoint A: z of latent %d under seed %d; B: latent %d under seed %d (z ~ N(0, I) from Philox, "
                        "as shortrun generate draws image i). No energy: a %s has no f(x).",
                        in.chain_a, in.seed_a, in.chain_b, in.seed_b, pub.model->kind_name.c_str());
    ImGui::PopTextWrapPos();
    ImGui::TextDisabled("%s path, %d points in %.2f s", strip->path.c_str(), strip->shape.n, strip->seconds);
    if (ImGui::Button("Export strip PNG")) ctx.press("export_strip");
    tip("the strip as one PNG (magnified by the Export panel's factor), with a .json of the endpoints and settings");
  } else if (strip) {
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
    if (ImGui::Button("Export strip PNG")) ctx.press("export_strip");
    tip("the strip as one PNG (magnified by the Export panel's factor), with a .json of the endpoints and settings");
  }
  ImGui::EndGroup();

  // Strip across ρ: click an image to jump the slider there.
  if (strip && strip->id != in.shown_strip) {
    upload_images(ctx, in.tex->strip, *strip);
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
      if (ImGui::ImageButton(in.tex->strip.id(), ImVec2(tile, tile), ImVec2(u0, 0), ImVec2(u1, 1), 0)) {
        in.rho = strip->rho[i];
        in.dirty_live = true;
      }
      if (ImGui::IsItemHovered()) {
        if (strip->kind == "ebm") ImGui::SetTooltip("rho %.3f  f = %.5g", strip->rho[i], strip->energy[i]);
        else ImGui::SetTooltip("rho %.3f", strip->rho[i]);
      }
      ImGui::PopID();
    }
  }
}

template <typename T>
T clamped(const nlohmann::json& v, T lo, T hi) {
  return std::clamp(v.get<T>(), lo, hi);
}

void write_json(const std::string& path, const nlohmann::json& j) {
  write_file_atomic(path, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}

class InterpolationView : public View {
 public:
  const char* title() const override { return "Interpolation"; }
  const char* id() const override { return "interpolation"; }
  bool state_at_top() const override { return true; }
  bool pending_requests() const override { return in_.dirty_live || in_.dirty_strip; }

  void draw(ViewContext& ctx) override { draw_interpolation(ctx, in_); }

  void update(ViewContext& ctx) override {
    // New settings make new chains: the interpolation between them is made again.
    if (ctx.session.runs_posted != runs_seen_) runs_seen_ = ctx.session.runs_posted, in_.dirty_live = in_.dirty_strip = true;
    live_ = ctx.session.pub.interp_live;
    strip_ = ctx.session.pub.interp_strip;
  }
  void model_changed(ViewContext& ctx) override { in_.dirty_live = in_.dirty_strip = true; }

  std::vector<std::string> controls() const override {
    return {"seed_a", "chain_a", "seed_b", "chain_b", "rho", "path", "noise_mode", "points"};
  }
  std::vector<std::string> buttons() const override { return {"random_endpoints", "export_strip"}; }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    InterpUi& in = in_;
    if (name == "seed_a") in.seed_a = v.get<int>(), in.dirty_live = in.dirty_strip = true;
    else if (name == "chain_a") in.chain_a = clamped(v, 0, 1 << 20), in.dirty_live = in.dirty_strip = true;
    else if (name == "seed_b") in.seed_b = v.get<int>(), in.dirty_live = in.dirty_strip = true;
    else if (name == "chain_b") in.chain_b = clamped(v, 0, 1 << 20), in.dirty_live = in.dirty_strip = true;
    else if (name == "rho") in.rho = clamped(v, 0.0f, 1.0f), in.dirty_live = true;
    else if (name == "path") {
      const std::string p = v.get<std::string>();
      if (p != "linear" && p != "spherical") throw Error("path must be linear or spherical");
      in.path = p == "linear" ? 0 : 1;
      in.dirty_live = in.dirty_strip = true;
    } else if (name == "noise_mode") {
      const std::string m = v.get<std::string>();
      if (m != "fixed" && m != "mixed" && m != "off") throw Error("noise_mode must be fixed, mixed or off");
      in.noise = m == "fixed" ? 0 : m == "mixed" ? 1 : 2;
      in.dirty_live = in.dirty_strip = true;
    } else if (name == "points") in.points = clamped(v, 2, 32), in.dirty_strip = true;
  }

  void press(ViewContext& ctx, const std::string& button) override {
    if (button == "random_endpoints") random_endpoints(in_);
    else if (button == "export_strip") export_strip(ctx);
  }

  nlohmann::json state() const override {
    nlohmann::json in = {{"seed_a", in_.seed_a}, {"chain_a", in_.chain_a}, {"seed_b", in_.seed_b},
                         {"chain_b", in_.chain_b}, {"rho", in_.rho}, {"path", in_.path == 0 ? "linear" : "spherical"},
                         {"noise", in_.noise == 0 ? "fixed" : in_.noise == 1 ? "mixed" : "off"}, {"points", in_.points}};
    if (live_) in["live"] = {{"rho", live_->rho}, {"energy", live_->energy}, {"seconds", live_->seconds}, {"kind", live_->kind}};
    if (strip_) in["strip"] = {{"rho", strip_->rho}, {"energy", strip_->energy}, {"kind", strip_->kind}, {"method", strip_->method}};
    return {{"interpolation", in}};
  }

  void release_gl() override { in_.tex = std::make_unique<InterpUi::Textures>(); }

 private:
  void export_strip(ViewContext& ctx) {
    const Published& pub = ctx.session.pub;
    const InterpResult* strip = pub.interp_strip.get();
    if (!strip || strip->shape.n == 0) {
      ctx.status("no interpolation strip to export yet (open the Interpolation tab)");
      return;
    }
    const int upscale = ctx.exports.upscale;
    const std::string path = export_path(ctx.exports.folder, "strip", ".png");
    try {
      write_png_rgb(path, strip_image(*strip, upscale));
      write_json(path + ".json", {{"model", pub.model ? pub.model->path : ""},
                                  {"endpoint_a", {{"seed", in_.seed_a}, {"chain", in_.chain_a}}},
                                  {"endpoint_b", {{"seed", in_.seed_b}, {"chain", in_.chain_b}}},
                                  {"kind", strip->kind}, {"method", strip->method},
                                  {"path", strip->path}, {"noise", strip->noise}, {"rho", strip->rho},
                                  {"energy", strip->energy}, {"sampler", settings_json(ctx.session.sampler)},
                                  {"upscale", upscale}});
      ctx.status("wrote " + path + " (" + std::to_string(strip->shape.n) + " images) and " + path + ".json");
    } catch (const std::exception& e) {
      ctx.error(e.what());
    }
  }

  InterpUi in_;
  uint64_t runs_seen_ = 0;
  std::shared_ptr<const InterpResult> live_, strip_;  // for state()
};

}  // namespace

std::unique_ptr<View> make_interpolation_view() { return std::make_unique<InterpolationView>(); }

}  // namespace shortrun::explorer

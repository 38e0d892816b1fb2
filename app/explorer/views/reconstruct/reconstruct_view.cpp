// The Reconstruct tab: a canvas at the model's resolution (brush, eraser, mask painting, undo,
// load by path or drag-and-drop), the live reconstruction with its MSE curve, observed |
// reconstruction | error side by side, and "show its chain" to watch the inferred z sampled.
// Any generator reconstructs (generators/generator.h): an EBM through its chain, a VAE by its
// encoder then gradient steps on z, a GAN by inversion.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_util.h"
#include "views/reconstruct/recon_inputs.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "widgets/path_field.h"
#include "widgets/pixel_readout.h"
#include "widgets/plots.h"
#include "worker/jobs_text.h"
#include "worker/sampler_settings.h"
#include "worker/worker.h"

namespace shortrun::explorer {

namespace {

void upload_single(ViewContext& ctx, DisplayImage& img, const std::vector<float>& pixels, const ImageShape& s,
                   const DisplayParams& p, int channels) {
  img.ensure(s.w, s.h, channels);
  img.upload(ctx.uploader, {Tile{0, 0, s.w, s.h, channels, pixels.data()}});
  img.render(ctx.colormap, p);
}

// Hidden pixels (mask < 0.5) tinted red over an image drawn at `origin`, `scale` screen pixels each.
void tint_hidden(const std::vector<float>& mask, int w, int h, ImVec2 origin, float scale) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (mask[size_t(y) * w + x] < 0.5f)
        dl->AddRectFilled(ImVec2(origin.x + x * scale, origin.y + y * scale),
                          ImVec2(origin.x + (x + 1) * scale, origin.y + (y + 1) * scale), IM_COL32(220, 40, 40, 110));
}

// The canvas, magnified, painted with the mouse; hidden (masked) pixels tinted red.
void draw_canvas(ViewContext& ctx, ReconTab& t, float size) {
  Canvas& cv = t.canvas;
  const ImageShape s{1, cv.channels(), cv.height(), cv.width()};
  if (cv.version() != t.ui.shown_canvas) {
    upload_single(ctx, t.tex->canvas, cv.pixels(), s, DisplayParams{}, s.c);
    t.ui.shown_canvas = cv.version();
  }
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::Image(t.tex->canvas.id(), ImVec2(size, size));
  ImGui::SetCursorScreenPos(origin);
  ImGui::InvisibleButton("canvas", ImVec2(size, size));
  if (!cv.stroking()) pixel_readout(cv.pixels().data(), s.w, s.h, s.c);
  const float scale = size / float(s.w);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  tint_hidden(cv.mask(), s.w, s.h, origin, scale);
  dl->AddRect(origin, ImVec2(origin.x + size, origin.y + size), IM_COL32(120, 120, 120, 255));
  const ImVec2 m = ImGui::GetIO().MousePos;
  const float px = (m.x - origin.x) / scale, py = (m.y - origin.y) / scale;
  if (ImGui::IsItemHovered())
    dl->AddCircle(m, t.ui.brush.radius * scale, t.ui.brush.mask ? IM_COL32(255, 80, 80, 200) : IM_COL32(255, 220, 80, 200), 24, 1.5f);
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
    cv.stroke_to(px, py, t.ui.brush);
  } else if (cv.stroking()) {
    cv.end_stroke();
  }
}

void draw_tools(ViewContext& ctx, ReconTab& t, float width) {
  ReconUi& r = t.ui;
  const float x0 = ImGui::GetCursorPosX();  // the column's left edge: widgets end at x0 + width
  int tool = r.brush.erase ? 1 : 0;
  if (ImGui::RadioButton("brush", &tool, 0)) r.brush.erase = false;
  tip("paint with the brush value");
  ImGui::SameLine();
  if (ImGui::RadioButton("eraser", &tool, 1)) r.brush.erase = true;
  tip("image: paint the background (-1); mask: mark pixels observed again");
  ImGui::SameLine(0, 20);
  int layer = r.brush.mask ? 1 : 0;
  if (ImGui::RadioButton("image", &layer, 0)) r.brush.mask = false;
  tip("strokes change the image");
  ImGui::SameLine();
  if (ImGui::RadioButton("mask", &layer, 1)) r.brush.mask = true;
  tip("strokes hide pixels from the reconstruction loss (inpainting); hidden pixels are tinted red");
  ImGui::SetNextItemWidth(140);
  ImGui::SliderFloat("size", &r.brush.radius, 0.5f, 8.0f, "%.1f px");
  tip("brush radius in image pixels");
  same_line_if_fits(labelled_width("value", 140));
  ImGui::SetNextItemWidth(140);
  ImGui::SliderFloat("value", &r.brush.value, -1.0f, 1.0f, "%.2f");
  tip("brush brightness: -1 black, 1 white");
  if (t.canvas.channels() >= 3) {
    ImGui::SameLine();
    ImGui::Checkbox("colour", &r.brush.use_color);
    tip("paint a colour instead of a gray value");
    if (r.brush.use_color) {
      ImGui::SameLine();
      float c01[3] = {(r.brush.color[0] + 1) / 2, (r.brush.color[1] + 1) / 2, (r.brush.color[2] + 1) / 2};
      if (ImGui::ColorEdit3("##col", c01, ImGuiColorEditFlags_NoInputs))
        for (int i = 0; i < 3; ++i) r.brush.color[i] = c01[i] * 2 - 1;
      tip("brush colour");
    }
  }
  if (ImGui::Button("Clear")) t.canvas.clear();
  tip("clear the image and the mask");
  same_line_if_fits(button_width("Clear mask"));
  if (ImGui::Button("Clear mask")) t.canvas.clear_mask();
  tip("mark every pixel observed");
  same_line_if_fits(button_width("Undo (Ctrl+Z)"));
  {
    DisabledWhy off(t.canvas.undo_depth() == 0, "nothing to undo yet");
    if (ImGui::Button("Undo (Ctrl+Z)")) t.canvas.undo();
    tip("undo the last stroke, clear or load");
  }
  // Mask presets, as the CLI's --mask center | left | random:P.
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("mask preset");
  same_line_if_fits(button_width("center"));
  if (ImGui::Button("center")) apply_mask_preset(ctx, t, "center");
  tip("hide the central square of half the size (shortrun reconstruct --mask center)");
  same_line_if_fits(button_width("left"));
  if (ImGui::Button("left")) apply_mask_preset(ctx, t, "left");
  tip("hide the left half (--mask left)");
  same_line_if_fits(button_width("random"));
  if (ImGui::Button("random")) apply_mask_preset(ctx, t, "random");
  tip("hide each pixel with probability P, drawn from the sampler's seed (--mask random:P --seed S)");
  same_line_if_fits(50.0f);
  ImGui::SetNextItemWidth(std::max(50.0f, x0 + width - ImGui::GetCursorPosX()));
  ImGui::SliderFloat("##maskp", &r.mask_p, 0.0f, 0.95f, "P %.2f");
  tip("fraction of pixels the random preset hides");
  PathFieldSpec field{"##img", "image path (.png .jpg .npy) or drop one on the window", "Open",
                      "a 28x28 image is padded to 32x32 with -1 as the training data; other sizes are cropped and resized",
                      "load the image onto the canvas", "choose an image in a file browser"};
  field.width = width;
  const PathAction action = path_field(field, r.image_path, sizeof(r.image_path));
  if (action == PathAction::kOpen) load_image_field(ctx, t);
  if (action == PathAction::kBrowse) ctx.press("browse_image");
  if (!r.image_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextUnformatted(r.image_error.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
  } else if (!r.image_note.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextDisabled("image: %s", r.image_note.c_str());
    ImGui::PopTextWrapPos();
  }
}

void draw_reconstruct(ViewContext& ctx, ReconTab& t) {
  const Published& pub = ctx.session.pub;
  if (!pub.model || t.canvas.width() == 0) {
    ImGui::TextDisabled("load a model first");
    return;
  }
  ReconUi& r = t.ui;
  const ImageShape s{1, t.canvas.channels(), t.canvas.height(), t.canvas.width()};
  const float avail = ImGui::GetContentRegionAvail().x;
  const float canvas_size = std::floor(std::min(avail * 0.4f, 12.0f * s.w) / s.w) * s.w;

  ImGui::BeginGroup();
  // The tools get at least 300 px (the image path field stays usable in a narrow window).
  draw_tools(ctx, t, std::max(canvas_size, std::min(avail, 300.0f)));
  draw_canvas(ctx, t, canvas_size);
  ImGui::EndGroup();
  same_line_if_fits(320.0f, 16);  // a narrow window stacks the result under the canvas

  ImGui::BeginGroup();
  const ModelInfo& model = *pub.model;
  ImGui::PushItemWidth(120);
  const bool encoder = model.kind == "vae";  // iterations 0: the encoder's guess alone
  ImGui::SliderInt("iterations", &r.iters, encoder ? 0 : 1, 1000, "%d", encoder ? 0 : ImGuiSliderFlags_Logarithmic);
  if (!encoder) r.iters = std::max(1, r.iters);
  tip(model.is_ebm() ? "Adam iterations on z, each back-propagating through all K steps"
      : encoder      ? "Adam iterations on z after the encoder's guess (0: the encoder's mean alone)"
                     : "Adam iterations on z (GAN inversion from z = 0)");
  same_line_if_fits(labelled_width("lr", 120));
  ImGui::SliderFloat("lr", &r.lr, 0.001f, 0.5f, "%.3f", ImGuiSliderFlags_Logarithmic);
  tip("Adam learning rate on z");
  if (model.is_ebm()) {
    same_line_if_fits(labelled_width("chain", 120));
    ImGui::InputInt("chain", &r.chain);
    r.chain = std::max(0, r.chain);
    tip("whose z0 and noise u_k (under the sampler's seed) the reconstruction starts from and keeps");
  }
  ImGui::PopItemWidth();
  const SamplerSettings& sm = ctx.session.sampler;
  {
    ReservedLines room(2);  // its length varies with the numbers: the buttons below stay put
    ImGui::PushTextWrapPos(0.0f);
    if (model.is_ebm()) {
      ImGui::TextDisabled("through the sampler's chain: K=%d, step size %.3g, noise %.3g, seed %d (sidebar)", sm.steps,
                          sm.step_size, sm.noise_std, sm.seed);
      ImGui::PopTextWrapPos();
      tip("M(z, u) is the K-step chain with the sidebar's sampler settings; change them there");
    } else {
      ImGui::TextDisabled(encoder ? "through the VAE: z from its encoder's mean (on the masked image, hidden pixels -1), then "
                                    "Adam on z so that decoder(z) fits the observed pixels"
                                  : "through the GAN: inversion, Adam on z from z = 0 so that generator(z) fits the "
                                    "observed pixels");
      ImGui::PopTextWrapPos();
    }
  }
  const ReconRun* run = shown_reconstruction(pub.recon.get(), r);
  const bool running = run && !run->finished.load();
  if (ImGui::Button(running ? "Restart" : "Reconstruct")) ctx.press("reconstruct");
  tip("find z with M(z, u) ~ the canvas over its observed pixels (uses the sampler's K, step, noise)");
  ImGui::SameLine();
  {
    DisabledWhy off(!running, "no reconstruction is running");
    if (ImGui::Button("Stop")) ctx.session.worker->cancel_reconstruction();
    tip("stop now (within one network evaluation)");
  }
  same_line_if_fits(button_width("Show its chain"));
  {
    DisabledWhy off(!model.is_ebm() || !run || !run->finished.load() || run->z.empty(),
                    !model.is_ebm() ? "needs an energy model: a " + model.kind_name + " has no chain to show"
                    : !run ? "no reconstruction yet: press Reconstruct first"
                    : !run->finished.load() ? "the reconstruction is still running: its z is final when it ends"
                    : "this reconstruction was stopped before it finished, so it has no final z: run it to the end");
    if (ImGui::Button("Show its chain")) ctx.press("show_chain");
    tip("sample the chain from the inferred z in the Chains panel, step by step");
  }
  same_line_if_fits(button_width("Export PNG"));
  {
    DisabledWhy off(!run, "nothing to export yet: press Reconstruct first");
    if (ImGui::Button("Export PNG")) ctx.press("export_triptych");
    tip("observed | reconstruction | error as one PNG (magnified by the Export panel's factor), with a .json");
  }

  // A warning that comes and goes sits under the buttons, in room kept for it.
  if (run) {
    ReservedLines room(2);
    const SamplerSettings& used = r.sampler_used;
    if (r.requested && used != sm) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
      ImGui::TextWrapped("the result shown used K=%d, step size %.3g, noise %.3g, seed %d (Reconstruct redoes it)",
                         used.steps, used.step_size, used.noise_std, used.seed);
      ImGui::PopStyleColor();
    }
  }
  const float tile = std::floor(std::min((ImGui::GetContentRegionAvail().x - 24) / 3.0f, 8.0f * s.w) / s.w) * s.w;
  if (run) {
    const int done = run->done.load(std::memory_order_acquire);
    const std::shared_ptr<const std::vector<float>> latest = std::atomic_load(&run->latest);
    if (latest && (run->id != r.shown_recon || done != r.shown_done)) {
      upload_single(ctx, t.tex->recon, *latest, s, DisplayParams{}, s.c);
      std::vector<float> err(size_t(s.w) * s.h);
      for (int p = 0; p < s.w * s.h; ++p) {
        float acc = 0;
        for (int c = 0; c < s.c; ++c) acc += std::fabs((*latest)[p * s.c + c] - run->observed[p * s.c + c]);
        err[p] = run->mask[p] > 0.5f ? acc / s.c : 0.0f;  // hidden pixels are not errors: the loss ignores them
      }
      DisplayParams ep;
      ep.lo = 0;
      ep.hi = r.error_range;
      ep.colormap = Colormap::kSequential;
      upload_single(ctx, t.tex->error, err, s, ep, 1);
      r.shown_recon = run->id;
      r.shown_done = done;
    }
    if (run->id != r.shown_observed) {
      upload_single(ctx, t.tex->observed, run->observed, s, DisplayParams{}, s.c);
      r.shown_observed = run->id;
    }
    const ImVec2 obs_origin = ImGui::GetCursorScreenPos();
    ImGui::Image(t.tex->observed.id(), ImVec2(tile, tile));
    tint_hidden(run->mask, s.w, s.h, obs_origin, tile / float(s.w));
    tip("observed: what this reconstruction was given; red-tinted pixels were hidden from the loss");
    pixel_readout(run->observed.data(), s.w, s.h, s.c);
    ImGui::SameLine();
    if (latest) ImGui::Image(t.tex->recon.id(), ImVec2(tile, tile));
    else ImGui::Dummy(ImVec2(tile, tile));
    tip("reconstruction M(z, u) at the current iteration");
    if (latest) pixel_readout(latest->data(), s.w, s.h, s.c);
    ImGui::SameLine();
    if (latest) ImGui::Image(t.tex->error.id(), ImVec2(tile, tile));
    else ImGui::Dummy(ImVec2(tile, tile));
    tip("|reconstruction - observed| per observed pixel (hidden pixels show 0; sequential colormap, range below)");
    ImGui::TextUnformatted("observed");
    ImGui::SameLine(tile + 8);
    ImGui::TextUnformatted("reconstruction");
    ImGui::SameLine(2 * tile + 16);
    ImGui::SetNextItemWidth(tile - 60);
    if (ImGui::SliderFloat("error", &r.error_range, 0.01f, 2.0f, "0..%.2f", ImGuiSliderFlags_Logarithmic)) r.shown_done = -1;
    tip("colour range of the error heatmap");
    // The error heatmap's colour bar, under it.
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + 2 * tile + 16);
    DisplayParams bar;
    bar.lo = 0;
    bar.hi = r.error_range;
    bar.colormap = Colormap::kSequential;
    t.tex->error_bar.draw(ctx.uploader, ctx.colormap, bar, tile);
    std::vector<float> curve(run->curve.begin(), run->curve.begin() + std::min<size_t>(done + 1, run->curve.size()));
    PlotSpec spec;
    spec.title = "MSE over observed pixels vs iteration (log scale)";
    spec.x_count = run->iters + 1;
    spec.x_label = "iter";
    spec.marker = done;
    spec.log_y = true;
    spec.size = ImVec2(ImGui::GetContentRegionAvail().x, 140);
    plot_lines("mse", spec, {{curve, IM_COL32(90, 200, 255, 255), 2.0f, "mse"}});
    // The MSE of iteration i is known only once its K-step pass is through: say what runs.
    const bool measured = !curve.empty() && std::isfinite(curve.back());
    if (measured)
      ImGui::Text("iteration %d/%d   mse %.4g%s", done, run->iters, curve.back(),
                  run->cancelled.load() ? "  (stopped)" : run->finished.load() ? "  (done)" : "");
    else if (run->cancelled.load())
      ImGui::TextUnformatted("stopped before the first iteration finished");
    else
      ImGui::Text("running iteration %d/%d...", done + 1, run->iters);
  } else {
    ImGui::TextDisabled("draw on the canvas (or open an image), then press Reconstruct");
  }
  ImGui::EndGroup();
}

template <typename T>
T clamped(const nlohmann::json& v, T lo, T hi) {
  return std::clamp(v.get<T>(), lo, hi);
}

void write_json(const std::string& path, const nlohmann::json& j) {
  write_file_atomic(path, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}

class ReconstructView : public View {
 public:
  const char* title() const override { return "Reconstruct"; }
  const char* id() const override { return "reconstruct"; }
  bool state_at_top() const override { return true; }
  bool animating() const override { return t_.canvas.stroking(); }

  void draw(ViewContext& ctx) override { draw_reconstruct(ctx, t_); }

  void update(ViewContext& ctx) override {
    const Published& pub = ctx.session.pub;
    // A finished reconstruction measures this model's reconstruction rate (the cost book).
    if (pub.recon && pub.recon->finished.load() && pub.recon->id != t_.measured && t_.ui.requested) {
      t_.measured = pub.recon->id;
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_.started).count();
      const int per_iteration = pub.recon->kind == "ebm" ? std::max(1, t_.ui.sampler_used.steps) : 1;
      ctx.session.costs.record(WorkKind::kReconStep, double(pub.recon->done.load()) * per_iteration, secs);
    }
    if (pub.image && pub.image->id != t_.applied_image) {
      t_.applied_image = pub.image->id;
      apply_loaded_image(ctx, t_, *pub.image);
    }
    if (!picked_.empty()) {
      std::snprintf(t_.ui.image_path, sizeof(t_.ui.image_path), "%s", picked_.c_str());
      picked_.clear();
      load_image_field(ctx, t_);
    }
    image_ = pub.image;
    recon_ = pub.recon;
    sampler_ = ctx.session.sampler;
  }

  void model_changed(ViewContext& ctx) override {
    if (ctx.session.pub.model) adopt_model_for_canvas(ctx, t_, *ctx.session.pub.model);
  }

  void shortcuts(ViewContext& ctx) override {
    if (ImGui::GetIO().KeyCtrl && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Z), false)) t_.canvas.undo();
  }

  std::vector<std::string> controls() const override {
    return {"brush_radius", "brush_value", "erase", "paint_mask", "recon_iters", "recon_lr", "recon_chain", "mask_p", "image_path"};
  }
  std::vector<std::string> buttons() const override {
    return {"clear",           "clear_mask",  "undo",      "reconstruct", "stop_reconstruction", "show_chain",
            "export_triptych", "mask_center", "mask_left", "mask_random", "open_image", "browse_image"};
  }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    ReconUi& r = t_.ui;
    if (name == "brush_radius") r.brush.radius = clamped(v, 0.5f, 16.0f);
    else if (name == "brush_value") r.brush.value = clamped(v, -1.0f, 1.0f);
    else if (name == "erase") r.brush.erase = v.get<bool>();
    else if (name == "paint_mask") r.brush.mask = v.get<bool>();
    else if (name == "recon_iters") {
      const ModelInfo* m = ctx.session.pub.model.get();
      r.iters = clamped(v, m && m->kind == "vae" ? 0 : 1, 5000);  // 0: the VAE's encoder alone
    }
    else if (name == "recon_lr") r.lr = clamped(v, 1e-5f, 1.0f);
    else if (name == "recon_chain") r.chain = clamped(v, 0, 1 << 20);
    else if (name == "mask_p") r.mask_p = clamped(v, 0.0f, 0.95f);
    else if (name == "image_path") std::snprintf(r.image_path, sizeof(r.image_path), "%s", v.get<std::string>().c_str());
  }

  void press(ViewContext& ctx, const std::string& button) override {
    if (button == "clear") t_.canvas.clear();
    else if (button == "clear_mask") t_.canvas.clear_mask();
    else if (button == "undo") t_.canvas.undo();
    else if (button == "reconstruct") start(ctx);
    else if (button == "stop_reconstruction") ctx.session.worker->cancel_reconstruction();
    else if (button == "show_chain") show_chain(ctx);
    else if (button == "export_triptych") export_triptych(ctx);
    else if (button == "mask_center") apply_mask_preset(ctx, t_, "center");
    else if (button == "mask_left") apply_mask_preset(ctx, t_, "left");
    else if (button == "mask_random") apply_mask_preset(ctx, t_, "random");
    else if (button == "open_image") load_image_field(ctx, t_);
    else if (button == "browse_image") {
      // The pick comes in a later frame: opened by the next update(), with that frame's context.
      ctx.browse_image_file(t_.ui.image_path, [this](const std::string& path) { picked_ = path; });
    }
  }

  // {"do": "stroke", "points": [[4,4],[20,20]], "radius": 2, "value": 1, "mask": false, "erase": false}
  bool script_action(ViewContext& ctx, const nlohmann::json& a) override {
    if (a.at("do").get<std::string>() != "stroke") return false;
    Brush b = t_.ui.brush;
    b.radius = json_get(a, "radius", b.radius);
    b.value = json_get(a, "value", b.value);
    b.mask = json_get(a, "mask", false);
    b.erase = json_get(a, "erase", false);
    t_.canvas.begin_stroke();
    for (const auto& p : a.at("points")) t_.canvas.stroke_to(p.at(0).get<float>(), p.at(1).get<float>(), b);
    t_.canvas.end_stroke();
    return true;
  }

  nlohmann::json state() const override {
    const Canvas& canvas = t_.canvas;
    nlohmann::json rc = {{"canvas_version", canvas.version()}, {"undo_depth", canvas.undo_depth()},
                         {"observed_fraction", canvas.observed_fraction()}, {"iters", t_.ui.iters}};
    double ink = 0;
    for (float v : canvas.pixels()) ink += (v + 1.0) / 2.0;
    rc["canvas_mean"] = canvas.pixels().empty() ? 0.0 : ink / double(canvas.pixels().size());
    if (image_) rc["image"] = {{"path", image_->path}, {"note", image_->note}};
    rc["inputs"] = recon_inputs_state(t_, recon_.get(), sampler_);
    if (const ReconRun* shown = shown_reconstruction(recon_.get(), t_.ui)) {
      const ReconRun& r = *shown;
      const int done = r.done.load();
      rc["run"] = {{"done", done}, {"finished", r.finished.load()}, {"cancelled", r.cancelled.load()}, {"kind", r.kind},
                   {"mse_first", r.curve[0]}, {"mse_last", r.curve[std::min<size_t>(done, r.curve.size() - 1)]}};
    }
    return {{"reconstruct", rc}};
  }

  void release_gl() override { t_.tex = std::make_unique<ReconTab::Textures>(); }

 private:
  void start(ViewContext& ctx) {
    if (!ctx.session.pub.model) return;
    ReconRequest r;
    r.observed = t_.canvas.pixels();
    r.mask = t_.canvas.mask();
    r.iters = t_.ui.iters;
    r.lr = t_.ui.lr;
    r.chain = t_.ui.chain;
    r.sampler = ctx.session.sampler;
    // Priced first: each iteration runs the K-step chain forward and back (about 3 chain-steps a step).
    Session& session = ctx.session;
    const bool ebm = session.pub.model->is_ebm();  // a VAE's or GAN's step is one decoder pass, priced as one chain-step
    const double secs = session.costs.seconds(WorkKind::kReconStep, double(std::max(1, r.iters)) * (ebm ? std::max(1, r.sampler.steps) : 1));
    const std::string what = "Reconstruct: " + count_of(r.iters, "iteration") +
                             (ebm ? " through K = " + std::to_string(r.sampler.steps) + " steps" : " through the " + session.pub.model->kind_name);
    session.run_or_ask(what, secs, [this, &session, r] {
      t_.ui.requested = true;
      t_.ui.sampler_used = r.sampler;
      t_.started = std::chrono::steady_clock::now();
      session.worker->reconstruct(r);
    });
  }

  // The chain from the inferred z, sampled in the Chains tab, its first chain enlarged.
  void show_chain(ViewContext& ctx) {
    Session& session = ctx.session;
    const Published& pub = session.pub;
    if (!pub.recon || !pub.recon->finished.load() || pub.recon->z.empty()) {
      ctx.status("no finished reconstruction to show");
      return;
    }
    SamplerSettings s = t_.ui.requested ? t_.ui.sampler_used : session.sampler;  // the chain the reconstruction ran through
    s.chains = session.sampler.chains;
    s.seed = int(pub.recon->seed);
    session.worker->sample_from_z(s, pub.recon->z, pub.recon->chain);
    session.requested_sampler = session.sampler;  // keeps the shell from re-running the grid over it
    session.sample_requested = true;
    ctx.set_control("selected", 0);
    ctx.set_control("live", true);
    ctx.show_tab("chains");
  }

  void export_triptych(ViewContext& ctx) {
    const Published& pub = ctx.session.pub;
    const ReconRun* run = shown_reconstruction(pub.recon.get(), t_.ui);
    const std::shared_ptr<const std::vector<float>> latest = run ? std::atomic_load(&run->latest) : nullptr;
    if (!run || !latest) {
      ctx.status("no reconstruction to export yet (press Reconstruct)");
      return;
    }
    const ReconUi& r = t_.ui;
    const int upscale = ctx.exports.upscale;
    const std::string path = export_path(ctx.exports.folder, "reconstruction", ".png");
    try {
      write_png_rgb(path, triptych_image(*run, *latest, r.error_range, upscale));
      const int done = run->done.load();
      write_json(path + ".json", {{"model", pub.model ? pub.model->path : ""},
                                  {"layout", "observed (hidden pixels tinted red) | reconstruction | |error| over [0, error_range]"},
                                  {"image", r.image_path}, {"image_note", r.image_note},
                                  {"mask_preset", r.mask_preset}, {"iterations", done}, {"of", run->iters},
                                  {"mse", run->curve[std::min<size_t>(done, run->curve.size() - 1)]},
                                  {"chain", run->chain}, {"seed", run->seed}, {"error_range", r.error_range},
                                  {"sampler", settings_json(ctx.session.sampler)}, {"upscale", upscale}});
      ctx.status("wrote " + path + " and " + path + ".json");
    } catch (const std::exception& e) {
      ctx.error(e.what());
    }
  }

  ReconTab t_;
  std::string picked_;  // a file the chooser picked, opened on the next update()
  std::shared_ptr<const LoadedImage> image_;  // for state()
  std::shared_ptr<const ReconRun> recon_;
  SamplerSettings sampler_;
};

}  // namespace

std::unique_ptr<View> make_reconstruct_view() { return std::make_unique<ReconstructView>(); }

}  // namespace shortrun::explorer

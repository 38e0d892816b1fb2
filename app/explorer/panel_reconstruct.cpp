// Reconstruct panel: a canvas at the model's resolution (brush, eraser, mask painting, undo,
// load by path or drag-and-drop), the live reconstruction with its MSE curve, observed |
// reconstruction | error side by side, and "show its chain" to watch the inferred z sampled.
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "disabled_why.h"
#include "explorer.h"
#include "layout_util.h"
#include "pixel_readout.h"
#include "plots.h"
#include "recon_inputs.h"

namespace shortrun::explorer {

namespace {

void upload_single(Explorer& ex, DisplayImage& img, const std::vector<float>& pixels, const ImageShape& s,
                   const DisplayParams& p, int channels) {
  img.ensure(s.w, s.h, channels);
  img.upload(*ex.uploader, {Tile{0, 0, s.w, s.h, channels, pixels.data()}});
  img.render(*ex.colormap, p);
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
void draw_canvas(Explorer& ex, float size) {
  Canvas& cv = ex.canvas;
  const ImageShape s{1, cv.channels(), cv.height(), cv.width()};
  if (cv.version() != ex.recon.shown_canvas) {
    upload_single(ex, ex.views->canvas, cv.pixels(), s, DisplayParams{}, s.c);
    ex.recon.shown_canvas = cv.version();
  }
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::Image(ex.views->canvas.id(), ImVec2(size, size));
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
    dl->AddCircle(m, ex.recon.brush.radius * scale, ex.recon.brush.mask ? IM_COL32(255, 80, 80, 200) : IM_COL32(255, 220, 80, 200), 24, 1.5f);
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
    cv.stroke_to(px, py, ex.recon.brush);
  } else if (cv.stroking()) {
    cv.end_stroke();
  }
}

void draw_tools(Explorer& ex, float width) {
  ReconUi& r = ex.recon;
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
  if (ex.canvas.channels() >= 3) {
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
  if (ImGui::Button("Clear")) ex.canvas.clear();
  tip("clear the image and the mask");
  same_line_if_fits(button_width("Clear mask"));
  if (ImGui::Button("Clear mask")) ex.canvas.clear_mask();
  tip("mark every pixel observed");
  same_line_if_fits(button_width("Undo (Ctrl+Z)"));
  {
    DisabledWhy off(ex.canvas.undo_depth() == 0, "nothing to undo yet");
    if (ImGui::Button("Undo (Ctrl+Z)")) ex.canvas.undo();
    tip("undo the last stroke, clear or load");
  }
  // Mask presets, as the CLI's --mask center | left | random:P.
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("mask preset");
  same_line_if_fits(button_width("center"));
  if (ImGui::Button("center")) apply_mask_preset(ex, "center");
  tip("hide the central square of half the size (shortrun reconstruct --mask center)");
  same_line_if_fits(button_width("left"));
  if (ImGui::Button("left")) apply_mask_preset(ex, "left");
  tip("hide the left half (--mask left)");
  same_line_if_fits(button_width("random"));
  if (ImGui::Button("random")) apply_mask_preset(ex, "random");
  tip("hide each pixel with probability P, drawn from the sampler's seed (--mask random:P --seed S)");
  same_line_if_fits(50.0f);
  ImGui::SetNextItemWidth(std::max(50.0f, x0 + width - ImGui::GetCursorPosX()));
  ImGui::SliderFloat("##maskp", &r.mask_p, 0.0f, 0.95f, "P %.2f");
  tip("fraction of pixels the random preset hides");
  const float open_w = ImGui::CalcTextSize("OpenBrowse...").x + 4 * ImGui::GetStyle().FramePadding.x;
  ImGui::SetNextItemWidth(width - open_w - 3 * ImGui::GetStyle().ItemSpacing.x);
  const bool enter = ImGui::InputTextWithHint("##img", "image path (.png .jpg .npy) or drop one on the window", r.image_path,
                                              sizeof(r.image_path), ImGuiInputTextFlags_EnterReturnsTrue);
  tip("a 28x28 image is padded to 32x32 with -1 as the training data; other sizes are cropped and resized");
  ImGui::SameLine();
  if (ImGui::Button("Open") || enter) load_image_field(ex);
  tip("load the image onto the canvas");
  ImGui::SameLine();
  if (ImGui::Button("Browse...")) open_file_browser(ex, BrowseFor::kImage);
  tip("choose an image in a file browser");
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

}  // namespace

void draw_reconstruct_panel(Explorer& ex) {
  if (!ex.pub.model || ex.canvas.width() == 0) {
    ImGui::TextDisabled("load a model first");
    return;
  }
  ReconUi& r = ex.recon;
  const ImageShape s{1, ex.canvas.channels(), ex.canvas.height(), ex.canvas.width()};
  const float avail = ImGui::GetContentRegionAvail().x;
  const float canvas_size = std::floor(std::min(avail * 0.4f, 12.0f * s.w) / s.w) * s.w;

  ImGui::BeginGroup();
  // The tools get at least 300 px (the image path field stays usable in a narrow window).
  draw_tools(ex, std::max(canvas_size, std::min(avail, 300.0f)));
  draw_canvas(ex, canvas_size);
  ImGui::EndGroup();
  same_line_if_fits(320.0f, 16);  // a narrow window stacks the result under the canvas

  ImGui::BeginGroup();
  ImGui::PushItemWidth(120);
  ImGui::SliderInt("iterations", &r.iters, 1, 1000, "%d", ImGuiSliderFlags_Logarithmic);
  tip("Adam iterations on z, each back-propagating through all K steps");
  same_line_if_fits(labelled_width("lr", 120));
  ImGui::SliderFloat("lr", &r.lr, 0.001f, 0.5f, "%.3f", ImGuiSliderFlags_Logarithmic);
  tip("Adam learning rate on z");
  same_line_if_fits(labelled_width("chain", 120));
  ImGui::InputInt("chain", &r.chain);
  r.chain = std::max(0, r.chain);
  tip("whose z0 and noise u_k (under the sampler's seed) the reconstruction starts from and keeps");
  ImGui::PopItemWidth();
  const SamplerSettings& sm = ex.sampler;
  {
    ReservedLines room(2);  // its length varies with the numbers: the buttons below stay put
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("through the sampler's chain: K=%d, step size %.3g, noise %.3g, seed %d (sidebar)", sm.steps,
                        sm.step_size, sm.noise_std, sm.seed);
    ImGui::PopTextWrapPos();
    tip("M(z, u) is the K-step chain with the sidebar's sampler settings; change them there");
  }
  const ReconRun* run = shown_reconstruction(ex);
  const bool running = run && !run->finished.load();
  if (ImGui::Button(running ? "Restart" : "Reconstruct")) ex.start_reconstruction();
  tip("find z with M(z, u) ~ the canvas over its observed pixels (uses the sampler's K, step, noise)");
  ImGui::SameLine();
  {
    DisabledWhy off(!running, "no reconstruction is running");
    if (ImGui::Button("Stop")) ex.worker->cancel_reconstruction();
    tip("stop now (within one network evaluation)");
  }
  same_line_if_fits(button_width("Show its chain"));
  {
    DisabledWhy off(!run || !run->finished.load() || run->z.empty(),
                    !run ? "no reconstruction yet: press Reconstruct first"
                    : !run->finished.load() ? "the reconstruction is still running: its z is final when it ends"
                    : "this reconstruction was stopped before it finished, so it has no final z: run it to the end");
    if (ImGui::Button("Show its chain")) ex.show_reconstruction_chain();
    tip("sample the chain from the inferred z in the Chains panel, step by step");
  }
  same_line_if_fits(button_width("Export PNG"));
  {
    DisabledWhy off(!run, "nothing to export yet: press Reconstruct first");
    if (ImGui::Button("Export PNG")) ex.export_triptych_png();
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
      upload_single(ex, ex.views->recon, *latest, s, DisplayParams{}, s.c);
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
      upload_single(ex, ex.views->error, err, s, ep, 1);
      r.shown_recon = run->id;
      r.shown_done = done;
    }
    if (run->id != r.shown_observed) {
      upload_single(ex, ex.views->observed, run->observed, s, DisplayParams{}, s.c);
      r.shown_observed = run->id;
    }
    const ImVec2 obs_origin = ImGui::GetCursorScreenPos();
    ImGui::Image(ex.views->observed.id(), ImVec2(tile, tile));
    tint_hidden(run->mask, s.w, s.h, obs_origin, tile / float(s.w));
    tip("observed: what this reconstruction was given; red-tinted pixels were hidden from the loss");
    pixel_readout(run->observed.data(), s.w, s.h, s.c);
    ImGui::SameLine();
    if (latest) ImGui::Image(ex.views->recon.id(), ImVec2(tile, tile));
    else ImGui::Dummy(ImVec2(tile, tile));
    tip("reconstruction M(z, u) at the current iteration");
    if (latest) pixel_readout(latest->data(), s.w, s.h, s.c);
    ImGui::SameLine();
    if (latest) ImGui::Image(ex.views->error.id(), ImVec2(tile, tile));
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
    ex.views->error_bar.draw(*ex.uploader, *ex.colormap, bar, tile);
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

}  // namespace shortrun::explorer

// Chains panel: the grid of N chains at the scrubbed step (streamed in as the worker samples),
// the timeline with playback, the enlarged chain with its residual heatmap and plots, and the
// energy / gradient / residual plots of all chains with the data band.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "chain_inspector.h"
#include "explorer.h"
#include "jobs_text.h"
#include "mala_acceptance.h"
#include "plots.h"

namespace shortrun::explorer {

// "3 of 16 chains diverged (non-finite) from step 12": what the plots and status bar say.
std::string divergence_note(const ChainRun& run) {
  const int dead = run.diverged.load(), first = run.first_divergence.load();
  if (dead <= 0 || first < 0) return "";
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%d of %d chain%s diverged (non-finite) from step %d", dead, run.shape.n,
                run.shape.n == 1 ? "" : "s", first);
  return buf;
}

namespace {

// Advances playback / follow mode; keeps the step within what has been sampled.
void update_timeline(Explorer& ex, const ChainRun* run) {
  ChainsUi& c = ex.chains;
  const int ready = run ? run->ready.load(std::memory_order_acquire) : 0;
  if (ready == 0) {
    c.step = 0;
    return;
  }
  if (c.follow) c.step = ready - 1;
  if (c.playing) {
    c.play_accum += ImGui::GetIO().DeltaTime * c.speed;
    const int advance = int(c.play_accum);
    c.play_accum -= advance;
    c.step += advance;
    if (c.step >= ready) {
      if (run->finished.load() && c.loop) {
        c.step = 0;
      } else {
        c.step = ready - 1;
        if (run->finished.load()) c.playing = false;
      }
    }
  }
  c.step = std::clamp(c.step, 0, ready - 1);
}

void draw_timeline(Explorer& ex, const ChainRun* run) {
  ChainsUi& c = ex.chains;
  const int ready = run ? run->ready.load() : 0;
  const int K = run ? run->steps() : ex.sampler.steps;
  if (ImGui::Button("|<")) ex.set_step(0), c.playing = false;
  tip("first step (x_0 = z)");
  ImGui::SameLine();
  if (ImGui::ArrowButton("back", ImGuiDir_Left)) ex.step_by(-1);
  tip("one step back (Left)");
  ImGui::SameLine();
  if (ImGui::Button(c.playing ? "Pause" : "Play", ImVec2(60, 0))) ex.toggle_play();
  tip("play / pause the chain (Space)");
  ImGui::SameLine();
  if (ImGui::ArrowButton("fwd", ImGuiDir_Right)) ex.step_by(1);
  tip("one step forward (Right)");
  ImGui::SameLine();
  if (ImGui::Button(">|")) ex.set_step(K), c.playing = false;
  tip("last step (x_K)");
  ImGui::SameLine();
  // One row when the panel is wide; on a narrow window loop / speed / live go to a second row.
  const float extras = 300.0f;
  const bool one_row = ImGui::GetContentRegionAvail().x > extras + 260.0f;
  ImGui::SetNextItemWidth(std::max(80.0f, ImGui::GetContentRegionAvail().x - (one_row ? extras : 0.0f)));
  int step = c.step;
  c.slider_max = std::max(K, 1);  // the shown run's K, not the sidebar's (a new run may not have started)
  char step_fmt[32];
  std::snprintf(step_fmt, sizeof(step_fmt), "step %%d / %d", K);
  if (ImGui::SliderInt("##step", &step, 0, c.slider_max, step_fmt)) ex.set_step(step), c.playing = false;
  tip("scrub through the recorded steps of the run shown (nothing is re-run)");
  if (one_row) ImGui::SameLine();
  ImGui::Checkbox("loop", &c.loop);
  tip("restart from step 0 when playback reaches K");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::SliderFloat("steps/s", &c.speed, 1.0f, 200.0f, "%.0f", ImGuiSliderFlags_Logarithmic);
  tip("playback speed");
  ImGui::SameLine();
  if (ImGui::Checkbox("live", &c.follow)) c.playing = false;
  tip("follow the newest step while the chains are sampled");
  if (run) {
    const double secs = run->seconds.load();
    const char* state = run->finished.load() ? "done" : run->cancelled.load() ? "cancelled" : "sampling";
    ImGui::TextDisabled("run %llu: %s, %d/%d steps %s in %.1f s (%.0f chain-steps/s)%s",
                        static_cast<unsigned long long>(run->id), count_of(run->shape.n, "chain").c_str(), std::max(0, ready - 1), K, state, secs,
                        secs > 0 ? double(run->shape.n) * std::max(0, ready - 1) / secs : 0.0,
                        run->custom_init ? "  - started from the reconstruction's z" : "");
    if (run->stride > 1) {
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.35f, 1.0f), "images kept every %d steps", run->stride);
      tip("a bounded trajectory: the images of every stride-th step and of step K are kept (at most 256 MB); f, "
          "|grad f| and |dx| are kept for every step");
    }
    const std::string dnote = divergence_note(*run);
    if (!dnote.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", dnote.c_str());
    }
  } else {
    ImGui::TextDisabled("waiting for the model...");
  }
}

// Uploads frame `step` of the run into the grid atlas if it is not already there.
void update_grid_texture(Explorer& ex, const ChainRun& run, int cols) {
  ChainsUi& c = ex.chains;
  DisplayImage& img = ex.views->grid;
  const ImageShape& s = run.shape;
  const int rows = (s.n + cols - 1) / cols;
  img.ensure(cols * s.w, rows * s.h, s.c);
  DisplayParams p;
  p.nearest = c.nearest;
  const int kept = run.kept(c.step);  // a bounded trajectory keeps every stride-th image
  if (c.shown_run == run.id && c.shown_step == kept && c.shown_selected == int(p.nearest)) return;
  if (run.frames[kept].empty()) return;
  std::vector<Tile> tiles;
  const std::vector<float>& frame = run.frames[kept];
  const DeviceFrame* dev = run.device_frames.empty() ? nullptr : &run.device_frames[kept];
  for (int i = 0; i < s.n; ++i) {
    Tile t;
    t.x = (i % cols) * s.w;
    t.y = (i / cols) * s.h;
    t.w = s.w;
    t.h = s.h;
    t.c = s.c;
    t.host = frame.data() + size_t(i) * s.image_floats();
    if (dev && dev->data) {
      t.device_channels = dev->channels;
      t.device = dev->data + size_t(i) * s.w * s.h * dev->channels;
    }
    tiles.push_back(t);
  }
  img.upload(*ex.uploader, tiles);
  img.render(*ex.colormap, p);
  c.shown_run = run.id;
  c.shown_step = kept;
  if (ex.stats.first_image_s < 0) ex.stats.first_image_s = ex.seconds_since_start();
  c.shown_selected = int(p.nearest);
}

void draw_grid(Explorer& ex, const ChainRun& run, float width) {
  const ImageShape& s = run.shape;
  const int cols = int(std::ceil(std::sqrt(double(s.n))));
  const int rows = (s.n + cols - 1) / cols;
  update_grid_texture(ex, run, cols);
  // Integer magnification keeps nearest-neighbour pixels square.
  const float gap = 2.0f;
  float tile = std::floor((width - gap * cols) / float(cols));
  if (tile >= s.w) tile = std::floor(tile / s.w) * s.w;
  tile = std::clamp(tile, 8.0f, float(s.w) * 12.0f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const DisplayImage& img = ex.views->grid;
  for (int i = 0; i < s.n; ++i) {
    const int gx = i % cols, gy = i / cols;
    const ImVec2 a(origin.x + gx * (tile + gap), origin.y + gy * (tile + gap));
    const ImVec2 b(a.x + tile, a.y + tile);
    const ImVec2 uv0(float(gx * s.w) / img.width(), float(gy * s.h) / img.height());
    const ImVec2 uv1(float((gx + 1) * s.w) / img.width(), float((gy + 1) * s.h) / img.height());
    dl->AddImage(img.id(), a, b, uv0, uv1);
    const bool alive = run.alive[ex.chains.step].empty() || run.alive[ex.chains.step][i];
    if (!alive) dl->AddRect(a, b, IM_COL32(255, 60, 60, 255), 0, 0, 2.0f);
    if (i == ex.chains.selected) dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), IM_COL32(255, 200, 40, 255), 0, 0, 2.0f);
  }
  ImGui::InvisibleButton("grid", ImVec2(cols * (tile + gap), rows * (tile + gap)));
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int gx = int((m.x - origin.x) / (tile + gap)), gy = int((m.y - origin.y) / (tile + gap));
    const int i = gy * cols + gx;
    if (gx >= 0 && gx < cols && i >= 0 && i < s.n) {
      const int k = ex.chains.step;
      // The pixel under the mouse, read from the kept image shown.
      const int px = std::clamp(int((m.x - origin.x - gx * (tile + gap)) / tile * float(s.w)), 0, s.w - 1);
      const int py = std::clamp(int((m.y - origin.y - gy * (tile + gap)) / tile * float(s.h)), 0, s.h - 1);
      const std::vector<float>& frame = run.frames[run.kept(k)];
      char value[64] = "";
      if (!frame.empty()) {
        const float* v = frame.data() + size_t(i) * s.image_floats() + (size_t(py) * s.w + px) * s.c;
        if (s.c == 1) std::snprintf(value, sizeof(value), "%.4f", v[0]);
        else std::snprintf(value, sizeof(value), "%.3f %.3f %.3f", v[0], v[1], v[2]);
      }
      ImGui::SetTooltip("chain %d  f = %.4g  |grad f| = %.3g%s\npixel (%d, %d) = %s\nclick to enlarge", i, run.energy[k][i],
                        run.grad_norm[k][i], run.alive[k].empty() || run.alive[k][i] ? "" : "  (diverged)", px, py, value);
      if (ImGui::IsItemClicked()) ex.select_chain(i == ex.chains.selected ? -1 : i);
    }
  }
}

std::vector<float> column(const ChainRun& run, const std::vector<std::vector<float>>& v, int chain, int ready) {
  std::vector<float> y(ready);
  for (int k = 0; k < ready; ++k) y[k] = v[k][chain];
  return y;
}

std::vector<float> mean_over_chains(const std::vector<std::vector<float>>& v, int ready) {
  std::vector<float> y(ready);
  for (int k = 0; k < ready; ++k) {
    double s = 0;
    int n = 0;
    for (float e : v[k])
      if (std::isfinite(e)) s += e, ++n;
    y[k] = n ? float(s / n) : NAN;
  }
  return y;
}

// Mean (thick) and per-chain (thin) curves of one statistic, the selected chain highlighted.
std::vector<PlotSeries> series_of(const ChainRun& run, const std::vector<std::vector<float>>& v, int ready, int selected,
                                  const char* name) {
  std::vector<PlotSeries> out;
  const int n = run.shape.n;
  // At most 32 faint per-chain lines (every n/32-th chain): more is a smear, and costs frames.
  const int stride = (n + 31) / 32;
  for (int i = 0; i < n; i += stride)
    if (i != selected) out.push_back({column(run, v, i, ready), IM_COL32(150, 170, 200, 50), 1.0f, "", true});
  out.push_back({mean_over_chains(v, ready), IM_COL32(90, 200, 255, 255), 2.2f, std::string("mean ") + name});
  if (selected >= 0 && selected < n)
    out.push_back({column(run, v, selected, ready), IM_COL32(255, 200, 40, 255), 1.8f, "chain " + std::to_string(selected)});
  return out;
}

void draw_plots(Explorer& ex, const ChainRun& run, float width, float height) {
  const int ready = run.ready.load();
  if (ready == 0) return;
  const int K = run.steps();
  PlotSpec spec;
  spec.x_count = K + 1;
  spec.marker = ex.chains.step;
  spec.note = divergence_note(run);
  spec.alert_x = run.first_divergence.load();
  spec.size = ImVec2(width, height);
  spec.title = "f(x_k): mean, per chain, and f over real data (band)";
  const ModelInfo* m = ex.pub.model.get();
  if (m && m->band.valid) {
    spec.band = PlotBand{true, m->band.mean - m->band.std, m->band.mean + m->band.std, m->band.mean,
                         IM_COL32(80, 190, 90, 70), "data f (mean +- std)"};
  }
  int picked = plot_lines("energy", spec, series_of(run, run.energy, ready, ex.chains.selected, "f"));
  spec.band = PlotBand{};
  spec.title = "|grad f(x_k)| (log scale)";
  spec.log_y = true;
  const int picked2 = plot_lines("grad", spec, series_of(run, run.grad_norm, ready, ex.chains.selected, "|grad f|"));
  spec.title = "|x_{k+1} - x_k|: the residual each step adds (log scale)";
  const int picked3 = plot_lines("delta", spec, series_of(run, run.delta_norm, std::min(ready, K), ex.chains.selected, "|dx|"));
  int picked4 = -1;
  if (!run.accepted.empty()) {
    // MALA: the fraction of chains whose proposal was accepted, per step (and the selected chain's
    // running rate), on a fixed 0..1 scale.
    char title[96];
    std::snprintf(title, sizeof(title), "MALA acceptance rate per step (mean over chains; T = %.3g)", run.settings.temperature);
    spec.title = title;
    spec.log_y = false;
    std::vector<PlotSeries> acc;
    std::vector<float> mean = mean_acceptance_per_step(run);
    mean.resize(size_t(K + 1), NAN);
    std::vector<float> scale(size_t(K + 1), NAN);  // two lone points, never drawn: pin the y range to 0..1
    scale.front() = 0.0f;
    scale.back() = 1.0f;
    acc.push_back({scale, IM_COL32(0, 0, 0, 0), 1.0f, "", true});
    acc.push_back({mean, IM_COL32(240, 150, 60, 255), 2.0f, "accepted (mean)"});
    picked4 = plot_lines("accept", spec, acc);
  }
  for (int p : {picked, picked2, picked3, picked4})
    if (p >= 0) ex.set_step(p), ex.chains.playing = false;
}

}  // namespace

void draw_chains_panel(Explorer& ex) {
  const std::shared_ptr<ChainRun> run_ptr = ex.pub.chains;
  const ChainRun* run = run_ptr.get();
  update_timeline(ex, run);
  draw_timeline(ex, run);
  ImGui::Separator();
  if (!run || run->ready.load() == 0) {
    ImGui::TextDisabled(ex.pub.model ? "sampling..." : "load a model to start (Model panel, or drop a file here)");
    return;
  }
  if (ex.chains.selected >= run->shape.n) ex.chains.selected = -1;
  const float avail = ImGui::GetContentRegionAvail().x, avail_y = ImGui::GetContentRegionAvail().y;
  const float title = ImGui::GetTextLineHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  const bool selected = ex.chains.selected >= 0;
  // Grid left; right: the enlarged chain and its heatmap (when one is selected) above the three
  // plots, where the selected chain's curves are drawn in orange.
  const float grid_w = std::min(avail * (selected ? 0.45f : 0.55f), avail_y - ImGui::GetFrameHeightWithSpacing() - 8);
  ImGui::BeginGroup();
  ImGui::Checkbox("nearest", &ex.chains.nearest);
  tip("nearest-neighbour magnification (off: linear filtering)");
  draw_grid(ex, *run, std::max(grid_w, 160.0f));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const float right = ImGui::GetContentRegionAvail().x;
  float top = 0;
  if (selected) {
    const float w = float(run->shape.w);
    const float big = std::max(w, std::floor(std::min(right * 0.5f - 8, avail_y * 0.36f) / w) * w);
    const float y0 = ImGui::GetCursorPosY();
    draw_chain_inspector(ex, *run, big);
    top = ImGui::GetCursorPosY() - y0;
  }
  const int plots = run->accepted.empty() ? 3 : 4;
  const float plot_h = std::max(50.0f, (avail_y - top - plots * title) / plots - 4);
  draw_plots(ex, *run, right, plot_h);
  ImGui::EndGroup();
}

}  // namespace shortrun::explorer

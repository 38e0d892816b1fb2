// The Chains tab: the grid of N chains at the scrubbed step (streamed in as the worker samples),
// the timeline with playback, the enlarged chain with its residual heatmap and plots, and the
// energy / gradient / residual plots of all chains with the data band. Its exports (grid PNG,
// chain frames) go to the worker.
#include <imgui.h>

#include <algorithm>
#include <optional>
#include <cmath>
#include <numeric>
#include <cstdio>
#include <tuple>

#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "views/chains/chains_ui.h"
#include "views/chains/mala_acceptance.h"
#include "widgets/plots.h"
#include "worker/export_request.h"
#include "worker/jobs_text.h"
#include "worker/sampler_settings.h"
#include "worker/worker.h"

namespace shortrun::explorer {

void select_chain(ChainsUi& c, const ChainRun* run, int index) {
  const int n = run ? run->shape.n : 0;
  c.selected = (index >= 0 && index < n) ? index : -1;
}

void set_step(ChainsUi& c, const ChainRun* run, int step) {
  const int ready = run ? run->ready.load() : 0;
  c.step = std::clamp(step, 0, std::max(0, ready - 1));
  c.follow = false;
}

namespace {

void step_by(ChainsUi& c, const ChainRun* run, int delta) {
  c.playing = false;
  set_step(c, run, c.step + delta);
}

void toggle_play(ChainsUi& c, const ChainRun* run) {
  c.playing = !c.playing;
  c.follow = false;
  if (c.playing && run && c.step >= run->steps()) c.step = 0;
}

// Advances playback / follow mode; keeps the step within what has been sampled.
void update_timeline(ChainsUi& c, const ChainRun* run) {
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

void draw_timeline(ViewContext& ctx, ChainsUi& c, const ChainRun* run) {
  const int ready = run ? run->ready.load() : 0;
  const int K = run ? run->steps() : ctx.session.sampler.steps;
  if (ImGui::Button("|<")) set_step(c, run, 0), c.playing = false;
  tip("first step (x_0 = z)");
  ImGui::SameLine();
  if (ImGui::ArrowButton("back", ImGuiDir_Left)) step_by(c, run, -1);
  tip("one step back (Left)");
  ImGui::SameLine();
  if (ImGui::Button(c.playing ? "Pause" : "Play", ImVec2(60, 0))) toggle_play(c, run);
  tip("play / pause the chain (Space)");
  ImGui::SameLine();
  if (ImGui::ArrowButton("fwd", ImGuiDir_Right)) step_by(c, run, 1);
  tip("one step forward (Right)");
  ImGui::SameLine();
  if (ImGui::Button(">|")) set_step(c, run, K), c.playing = false;
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
  if (ImGui::SliderInt("##step", &step, 0, c.slider_max, step_fmt)) set_step(c, run, step), c.playing = false;
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

// The grid of chains at the shown step: frame `step` uploaded into the grid's atlas when it is not
// already there (a bounded trajectory keeps every stride-th image), diverged chains outlined in
// red, the selected one framed; hovering reads out a pixel, a click enlarges the chain.
void draw_grid(ViewContext& ctx, ChainsUi& c, const ChainRun& run, float width) {
  const ImageShape& s = run.shape;
  const int cols = int(std::ceil(std::sqrt(double(s.n))));
  ImageGrid& grid = c.tex->grid;
  const int kept = run.kept(c.step);
  const std::vector<float>& frame = run.frames[kept];
  if (!frame.empty()) {
    DisplayParams p;
    p.nearest = c.nearest;
    const DeviceFrame* dev = run.device_frames.empty() ? nullptr : &run.device_frames[kept];
    const uint64_t key = (run.id * 1000003ull + uint64_t(kept)) * 2 + uint64_t(p.nearest);
    if (grid.show(ctx.uploader, ctx.colormap, frame.data(), s.n, cols, s, key, p, dev)) {
      c.shown_run = run.id;
      c.shown_step = kept;
      if (ctx.first_image) ctx.first_image();
    }
  }
  if (grid.empty()) return;
  // Integer magnification keeps nearest-neighbour pixels square.
  const float gap = 2.0f;
  float tile = std::floor((width - gap * cols) / float(cols));
  if (tile >= s.w) tile = std::floor(tile / s.w) * s.w;
  tile = std::clamp(tile, 8.0f, float(s.w) * 12.0f);
  const std::vector<uint8_t>& alive = run.alive[c.step];
  const ImageGrid::Hit hit = grid.draw("grid", tile, gap, c.selected, [&](int i) { return !alive.empty() && !alive[size_t(i)]; });
  if (hit.hovered < 0) return;
  const int i = hit.hovered, k = c.step;
  // The pixel under the mouse, read from the kept image shown.
  char value[64] = "";
  if (!frame.empty()) {
    const float* v = frame.data() + size_t(i) * s.image_floats() + (size_t(hit.py) * s.w + hit.px) * s.c;
    if (s.c == 1) std::snprintf(value, sizeof(value), "%.4f", v[0]);
    else std::snprintf(value, sizeof(value), "%.3f %.3f %.3f", v[0], v[1], v[2]);
  }
  ImGui::SetTooltip("chain %d  f = %.4g  |grad f| = %.3g%s\npixel (%d, %d) = %s\nclick to enlarge", i, run.energy[k][i],
                    run.grad_norm[k][i], run.alive[k].empty() || run.alive[k][i] ? "" : "  (diverged)", hit.px, hit.py, value);
  if (hit.clicked) select_chain(c, &run, i == c.selected ? -1 : i);
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

void draw_plots(ViewContext& ctx, ChainsUi& c, const ChainRun& run, float width, float height) {
  const int ready = run.ready.load();
  if (ready == 0) return;
  const int K = run.steps();
  PlotSpec spec;
  spec.x_count = K + 1;
  spec.marker = c.step;
  spec.note = divergence_note(run);
  spec.alert_x = run.first_divergence.load();
  spec.size = ImVec2(width, height);
  spec.title = "f(x_k): mean, per chain, and f over real data (band)";
  const ModelInfo* m = ctx.session.pub.model.get();
  if (m && m->band.valid) {
    spec.band = PlotBand{true, m->band.mean - m->band.std, m->band.mean + m->band.std, m->band.mean,
                         IM_COL32(80, 190, 90, 70), "data f (mean +- std)"};
  }
  int picked = plot_lines("energy", spec, series_of(run, run.energy, ready, c.selected, "f"));
  spec.band = PlotBand{};
  spec.title = "|grad f(x_k)| (log scale)";
  spec.log_y = true;
  const int picked2 = plot_lines("grad", spec, series_of(run, run.grad_norm, ready, c.selected, "|grad f|"));
  spec.title = "|x_{k+1} - x_k|: the residual each step adds (log scale)";
  const int picked3 = plot_lines("delta", spec, series_of(run, run.delta_norm, std::min(ready, K), c.selected, "|dx|"));
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
    if (p >= 0) set_step(c, &run, p), c.playing = false;
}

void draw_chains(ViewContext& ctx, ChainsUi& c) {
  const std::shared_ptr<ChainRun> run_ptr = ctx.session.pub.chains;
  const ChainRun* run = run_ptr.get();
  update_timeline(c, run);
  draw_timeline(ctx, c, run);
  ImGui::Separator();
  if (!run || run->ready.load() == 0) {
    ImGui::TextDisabled(ctx.session.pub.model ? "sampling..." : "load a model to start (Model panel, or drop a file here)");
    return;
  }
  if (c.selected >= run->shape.n) c.selected = -1;
  const float avail = ImGui::GetContentRegionAvail().x, avail_y = ImGui::GetContentRegionAvail().y;
  const float title = ImGui::GetTextLineHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  const bool selected = c.selected >= 0;
  // Grid left; right: the enlarged chain and its heatmap (when one is selected) above the three
  // plots, where the selected chain's curves are drawn in orange.
  const float grid_w = std::min(avail * (selected ? 0.45f : 0.55f), avail_y - ImGui::GetFrameHeightWithSpacing() - 8);
  ImGui::BeginGroup();
  ImGui::Checkbox("nearest", &c.nearest);
  tip("nearest-neighbour magnification (off: linear filtering)");
  draw_grid(ctx, c, *run, std::max(grid_w, 160.0f));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const float right = ImGui::GetContentRegionAvail().x;
  float top = 0;
  if (selected) {
    const float w = float(run->shape.w);
    const float big = std::max(w, std::floor(std::min(right * 0.5f - 8, avail_y * 0.36f) / w) * w);
    const float y0 = ImGui::GetCursorPosY();
    draw_chain_inspector(ctx, c, *run, big);
    top = ImGui::GetCursorPosY() - y0;
  }
  const int plots = run->accepted.empty() ? 3 : 4;
  const float plot_h = std::max(50.0f, (avail_y - top - plots * title) / plots - 4);
  draw_plots(ctx, c, *run, right, plot_h);
  ImGui::EndGroup();
}

template <typename T>
T clamped(const nlohmann::json& v, T lo, T hi) {
  return std::clamp(v.get<T>(), lo, hi);
}

class ChainsView : public View {
 public:
  const char* title() const override { return "Chains"; }
  const char* id() const override { return "chains"; }
  bool needs_energy_model() const override { return true; }
  bool state_at_top() const override { return true; }
  bool animating() const override { return c_.playing; }

  void draw(ViewContext& ctx) override { draw_chains(ctx, c_); }

  void update(ViewContext& ctx) override {
    // A run posted for new settings: the scrubber follows it.
    if (ctx.session.runs_posted != runs_seen_) runs_seen_ = ctx.session.runs_posted, c_.follow = true;
    shown_run_ = ctx.session.pub.chains;
  }

  void model_changed(ViewContext& ctx) override {
    c_.selected = -1;
    c_.step = 0;
    c_.follow = true;
  }

  std::vector<std::string> controls() const override {
    return {"step", "playing", "loop", "speed", "selected", "live", "residual_range", "residual_auto", "nearest",
            "inspector_zoom", "diff_pinned", "pin_step"};
  }
  std::vector<std::string> buttons() const override {
    return {"play", "pause", "toggle_play", "step_forward", "step_back", "export_grid", "export_chain"};
  }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    const ChainRun* run = ctx.session.pub.chains.get();
    if (name == "step") set_step(c_, run, v.get<int>());
    else if (name == "playing") c_.playing = v.get<bool>();
    else if (name == "loop") c_.loop = v.get<bool>();
    else if (name == "speed") c_.speed = clamped(v, 0.5f, 500.0f);
    else if (name == "selected") select_chain(c_, run, v.get<int>());
    else if (name == "live") c_.follow = v.get<bool>();
    else if (name == "residual_range") c_.residual_range = clamped(v, 1e-6f, 10.0f), c_.residual_auto = false;
    else if (name == "residual_auto") c_.residual_auto = v.get<bool>();
    else if (name == "nearest") c_.nearest = v.get<bool>();
    else if (name == "inspector_zoom") c_.inspector.image_view.zoom = c_.inspector.heat_view.zoom = clamped(v, 1.0f, 32.0f);
    else if (name == "diff_pinned") c_.inspector.against_pinned = v.get<bool>();
    else if (name == "pin_step") c_.inspector.pinned_step = clamped(v, 0, 1 << 30);
  }

  void press(ViewContext& ctx, const std::string& button) override {
    const ChainRun* run = ctx.session.pub.chains.get();
    if (button == "play") c_.playing = false, toggle_play(c_, run);
    else if (button == "pause") c_.playing = false;
    else if (button == "toggle_play") toggle_play(c_, run);
    else if (button == "step_forward") step_by(c_, run, 1);
    else if (button == "step_back") step_by(c_, run, -1);
    else if (button == "export_grid") export_grid(ctx);
    else if (button == "export_chain") export_chain_frames(ctx);
  }

  // {"do": "click_chain", "index": 3, "as": "a"}: select a chain ("as": also make it endpoint a|b).
  bool script_action(ViewContext& ctx, const nlohmann::json& a) override {
    if (a.at("do").get<std::string>() != "click_chain") return false;
    const int i = a.at("index").get<int>();
    select_chain(c_, ctx.session.pub.chains.get(), i);
    const std::string as = a.contains("as") ? a.at("as").get<std::string>() : "";
    if (as == "a" || as == "b") {
      ctx.set_control("seed_" + as, ctx.session.sampler.seed);
      ctx.set_control("chain_" + as, i);
    }
    return true;
  }

  nlohmann::json state() const override {
    nlohmann::json j;
    j["view"] = {{"step", c_.step},     {"playing", c_.playing},       {"selected", c_.selected},
                 {"follow", c_.follow}, {"shown_step", c_.shown_step}, {"shown_run", c_.shown_run},
                 {"slider_max", c_.slider_max}};
    // The inspector's difference x_b − x_a: its norm, and the |dx| the plots hold for step a.
    const InspectorUi& ins = c_.inspector;
    j["view"]["heat_step"] = ins.pair.first;
    j["view"]["heat_norm"] = ins.pair_norm;
    const ChainRun* r = shown_run_.get();
    const int a = ins.pair.first, i = c_.selected;
    if (r && a >= 0 && i >= 0 && a < r->ready.load() && i < r->shape.n) j["view"]["dx_shown"] = r->delta_norm[a][i];
    j["inspector"] = {{"zoom", ins.image_view.zoom}, {"heat_zoom", ins.heat_view.zoom},
                      {"pair", {ins.pair.first, ins.pair.second}}, {"pair_norm", ins.pair_norm},
                      {"heat_note", ins.heat_note}, {"pinned", ins.against_pinned ? ins.pinned_step : -1}};
    // The run published last (shown or streaming in).
    if (shown_run_) {
      const ChainRun& r = *shown_run_;
      const int ready = r.ready.load();
      nlohmann::json c = {{"stride", r.stride}, {"diverged", r.diverged.load()}, {"first_divergence", r.first_divergence.load()},
                          {"divergence_note", divergence_note(r)}, {"run", r.id},           {"n", r.shape.n},   {"steps", r.steps()}, {"ready", ready},
                          {"finished", r.finished.load()}, {"cancelled", r.cancelled.load()}, {"seconds", r.seconds.load()},
                          {"custom_init", r.custom_init}, {"settings", settings_json(r.settings)}};
      if (ready > 0) {
        const int last = ready - 1;
        const std::vector<float>& e = r.energy[last];
        c["energy_last"] = std::accumulate(e.begin(), e.end(), 0.0) / double(e.size());
        c["energy_first"] = std::accumulate(r.energy[0].begin(), r.energy[0].end(), 0.0) / double(r.energy[0].size());
        // Mean |x_last − x_0| per pixel: how far the chains moved from their noise.
        const std::vector<float>& xl = r.frames[r.kept(last)];
        double moved = 0;
        for (size_t i = 0; i < xl.size(); ++i) moved += std::fabs(xl[i] - r.frames[0][i]);
        c["moved_from_noise"] = moved / double(std::max<size_t>(1, xl.size()));
        c["delta_norm_per_chain"] = r.delta_norm[std::max(0, last - 1)];
        c["energy_per_chain_last"] = e;
      }
      if (!r.accepted.empty()) c["mala"] = mala_acceptance_json(r);
      j["chains"] = c;
    }
    return j;
  }

  void release_gl() override {
    c_.tex = std::make_unique<ChainsUi::Textures>();
  }

 private:
  // An export of the shown chain run at the current step (nullopt, with a status line, if none).
  std::optional<ExportRequest> chain_export(ViewContext& ctx, const std::string& kind) {
    const Published& pub = ctx.session.pub;
    if (!pub.chains || !pub.model) {
      ctx.status("nothing to export yet");
      return std::nullopt;
    }
    ExportRequest r;
    r.kind = kind;
    r.run = pub.chains;
    r.step = c_.step;
    r.model_path = pub.model->path;
    r.default_init = pub.model->defaults.init;
    r.weights_flag = weights_flag(pub.model->weights);
    r.upscale = ctx.exports.upscale;
    return r;
  }

  void export_grid(ViewContext& ctx) {
    std::optional<ExportRequest> req = chain_export(ctx, "grid_png");
    if (!req) return;
    char stem[64];
    std::snprintf(stem, sizeof(stem), "grid_seed%d_step%03d", req->run->settings.seed, c_.step);
    req->path = export_path(ctx.exports.folder, stem, ".png");
    ctx.session.worker->export_chains(*req);
  }

  void export_chain_frames(ViewContext& ctx) {
    std::optional<ExportRequest> req = chain_export(ctx, "chain_frames");
    if (!req) return;
    req->selected = ctx.exports.selected_only ? c_.selected : -1;
    req->video = ctx.exports.video == 1 ? "gif" : ctx.exports.video == 2 ? "mp4" : "";
    std::string stem = "chain_seed" + std::to_string(req->run->settings.seed);
    if (req->selected >= 0) stem += "_" + std::to_string(req->selected);
    req->path = export_path(ctx.exports.folder, stem, "");
    ctx.session.worker->export_chains(*req);
  }

  ChainsUi c_;
  uint64_t runs_seen_ = 0;
  std::shared_ptr<const ChainRun> shown_run_;  // for state(): the run the tab last drew
};

}  // namespace

std::unique_ptr<View> make_chains_view() { return std::make_unique<ChainsView>(); }

}  // namespace shortrun::explorer

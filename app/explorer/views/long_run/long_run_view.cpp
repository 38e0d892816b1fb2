// Short run vs long run (issue #13): the Chains tab's chains (its model and sampler settings)
// continued past K to M = multiple × K with the same noise stream. Side by side the grid at K and
// the grid at a later step (M once reached; any kept step of the strided trajectory by the
// slider), below them f(x_k), ‖∇f(x_k)‖ and the saturated-pixel fraction over all M steps with K
// marked, filled in while the run goes on. Exports the PNG `shortrun sample --continue-to` draws,
// its settings and that command.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "display/image_export.h"
#include "display/image_grid.h"
#include "shortrun/base/error.h"
#include "views/export_report.h"
#include "views/long_run/long_run_job.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "widgets/plots.h"
#include "widgets/view_widgets.h"
#include "worker/jobs_text.h"

namespace shortrun::explorer {


namespace {

// Per-step mean over chains (NaN-skipping) of a [k * n + i] curve, steps 0..ready-1.
std::vector<float> step_means(const std::vector<float>& v, int n, int ready) {
  std::vector<float> out(size_t(std::max(0, ready)), NAN);
  for (int k = 0; k < ready; ++k) {
    double s = 0;
    int c = 0;
    for (int i = 0; i < n; ++i) {
      const float x = v[size_t(k) * n + i];
      if (std::isfinite(x)) s += x, ++c;
    }
    if (c) out[size_t(k)] = float(s / c);
  }
  return out;
}

std::vector<float> chain_curve(const std::vector<float>& v, int n, int chain, int ready) {
  std::vector<float> out(size_t(std::max(0, ready)));
  for (int k = 0; k < ready; ++k) out[size_t(k)] = v[size_t(k) * n + chain];
  return out;
}

class LongRunView : public View {
 public:
  const char* title() const override { return "Long run"; }
  const char* id() const override { return "long_run"; }
  bool needs_energy_model() const override { return true; }

  std::vector<std::string> controls() const override {
    return {"long_run_multiple", "long_run_continue_to", "long_run_shown_step", "long_run_export_folder"};
  }
  // Names are unique across all views: a script presses the first view's button of that name.
  std::vector<std::string> buttons() const override { return {"long_run", "long_run_stop", "long_run_export"}; }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    if (name == "long_run_multiple") multiple_ = std::clamp(v.get<int>(), 1, 1000);
    else if (name == "long_run_continue_to") continue_to_ = std::clamp(v.get<int>(), 0, 100000);
    else if (name == "long_run_shown_step") shown_step_ = std::max(-1, v.get<int>()), follow_ = shown_step_ < 0;
    else if (name == "long_run_export_folder") export_folder_ = v.get<std::string>();
    else throw Error("long_run: no control " + name);
  }

  void press(ViewContext& ctx, const std::string& button) override {
    if (button == "long_run") run(ctx);
    else if (button == "long_run_stop") stop(ctx);
    else if (button == "long_run_export") export_now(ctx);
    else throw Error("long_run: no button " + button);
  }

  void model_changed(ViewContext& ctx) override {
    stop(ctx);
    data_.slot->clear();  // what the stopped job still hands over is for the old model: dropped
  }

  void release_gl() override {
    short_grid_.release();
    long_grid_.release();
  }

  void update(ViewContext& ctx) override {
    if (data_.changed()) shown_ = data_.slot->result();
    export_.update(ctx);
    if (!shown_) return;
    const LongRunData& d = *shown_;
    const int cols = int(std::ceil(std::sqrt(double(d.shape.n))));
    if (const auto xk = d.at_step(d.K)) short_grid_.show(ctx.uploader, ctx.colormap, xk->data(), d.shape.n, cols, d.shape, d.id);
    else short_grid_.show(ctx.uploader, ctx.colormap, nullptr, 0, cols, d.shape, 0);  // this run has not reached K yet
    // The right grid: the chosen kept step, or the newest one reached (M at the end).
    const std::vector<LongRunData::Frame> frames = d.frames();
    if (frames.empty()) return;
    const LongRunData::Frame* pick = &frames.back();
    if (!follow_)
      for (const auto& f : frames)
        if (f.step <= shown_step_) pick = &f;
    right_step_ = pick->step;
    long_grid_.show(ctx.uploader, ctx.colormap, pick->x->data(), d.shape.n, cols, d.shape, (d.id << 20) + uint64_t(pick->step) + 1);
  }

  void draw(ViewContext& ctx) override {
    draw_controls(ctx);
    ImGui::Separator();
    if (!shown_) {
      ImGui::TextDisabled("press Run to continue the Chains tab's chains (same model, sampler and seed) to %d x K",
                          multiple_);
      return;
    }
    const LongRunData& d = *shown_;
    const int ready = d.ready.load(std::memory_order_acquire);
    const float avail_x = ImGui::GetContentRegionAvail().x, avail_y = ImGui::GetContentRegionAvail().y;
    const float line = ImGui::GetTextLineHeightWithSpacing();
    // Images on the upper part, plots below: each grid gets half the width.
    // Three plots of at least 60 px keep their room on a small window.
    const float grid_h = std::max(80.0f, std::min(avail_y * 0.5f, avail_y - 3 * (60.0f + 2 * line)) - line);
    const float half = (avail_x - 24.0f) / 2;
    ImGui::BeginGroup();
    ImGui::Text("x_K: step %d (the short run)", d.K);
    if (short_grid_.empty()) ImGui::TextDisabled("step K not reached yet");
    else short_grid_.draw("short", short_grid_.fit_tile(half, grid_h));
    ImGui::EndGroup();
    ImGui::SameLine(0, 24.0f);
    ImGui::BeginGroup();
    ImGui::Text("step %d%s", right_step_, right_step_ == d.M ? " = M (the long run)" : "");
    if (!long_grid_.empty()) long_grid_.draw("long", long_grid_.fit_tile(half, grid_h));
    ImGui::EndGroup();
    draw_plots(d, ready, std::max(60.0f, (ImGui::GetContentRegionAvail().y - 3 * line) / 3 - 6));
  }

  // Until update() has taken what the views' thread handed over.
  bool busy() const override { return data_.pending() || export_.pending(); }

  nlohmann::json state() const override {
    nlohmann::json j = {{"multiple", multiple_}, {"continue_to", continue_to_}, {"export_folder", export_folder_},
                        {"shown_step", right_step_}};
    if (!export_.last().is_null()) j["last_export"] = export_.last();
    const std::shared_ptr<const LongRunData> d = data_.slot->result();
    if (!d) return j;
    const int ready = d->ready.load();
    const int n = d->shape.n;
    nlohmann::json run = {{"id", d->id}, {"K", d->K}, {"M", d->M}, {"n", n}, {"ready", ready},
                          {"finished", d->finished.load()}, {"cancelled", d->cancelled.load()},
                          {"seconds", d->seconds.load()}, {"threads", d->threads}, {"device", d->device},
                          {"request", to_json(d->request)}};
    std::vector<int> steps;
    for (const auto& f : d->frames()) steps.push_back(f.step);
    run["frame_steps"] = steps;
    run["energy_mean"] = step_means(d->energy, n, ready);
    run["grad_norm_mean"] = step_means(d->grad_norm, n, ready);
    run["saturated_mean"] = step_means(d->saturated, n, ready);
    j["run"] = run;
    return j;
  }

 private:
  void run(ViewContext& ctx) {
    const Session& s = ctx.session;
    if (!s.pub.model) {
      ctx.error("long run: no model loaded");
      return;
    }
    LongRunRequest r;
    r.model = s.pub.model->path;
    r.weights_flag = weights_flag(s.pub.model->weights);
    r.sampler = s.sampler;
    r.multiple = multiple_;
    r.continue_to = continue_to_;
    if (r.total_steps() < r.sampler.steps) {
      ctx.error("long run: continue to " + std::to_string(r.total_steps()) + " is below K = " +
                std::to_string(r.sampler.steps) + "; expected M >= K");
      return;
    }
    // Priced first, as every job: n chains × M steps.
    const std::string what = "long run: " + count_of(r.sampler.chains, "chain") + " from K = " + std::to_string(r.sampler.steps) +
                             " to M = " + std::to_string(r.total_steps());
    const double secs = ctx.session.costs.seconds(WorkKind::kChainStep, double(r.sampler.chains) * double(r.total_steps()));
    Session* session = &ctx.session;
    const auto status = ctx.status;
    ctx.session.run_or_ask(what, secs, [this, r, session, status, what] {
      follow_ = true;
      shown_step_ = -1;
      static uint64_t next_id = 1;  // UI thread only
      const uint64_t id = next_id++;
      job_ = post_long_run(*session->view_jobs, r, id, data_.slot);
      status(what);
    });
  }

  void stop(ViewContext& ctx) {
    if (job_) ctx.session.view_jobs->cancel(job_);
  }

  void export_now(ViewContext& ctx) {
    std::shared_ptr<const LongRunData> d = shown_;
    if (!d || !d->finished.load()) {
      ctx.error("long-run export: nothing to export until a run has finished");
      return;
    }
    char stem[64];
    std::snprintf(stem, sizeof(stem), "long_run_K%d_M%d", d->K, d->M);
    LongRunExport e;
    e.png = export_path(ctx.folder_for(export_folder_), stem, ".png");
    const std::string command = long_run_command(*d, e);
    export_.posted(e.png, command);
    post_long_run_export(*ctx.session.view_jobs, d, e, export_.slot());
  }

  void draw_controls(ViewContext& ctx) {
    const Session& s = ctx.session;
    const int K = s.sampler.steps;
    const int M = continue_to_ > 0 ? continue_to_ : multiple_ * K;
    ImGui::Text("K = %d, %s, seed %d (the Sampler panel's)", K, count_of(s.sampler.chains, "chain").c_str(), s.sampler.seed);
    same_line_if_fits(labelled_width("x K", 110));
    ImGui::SetNextItemWidth(110);
    ImGui::InputInt("x K", &multiple_);
    multiple_ = std::clamp(multiple_, 1, 1000);
    tip("continue to this multiple of K (10: the paper's long run)");
    same_line_if_fits(labelled_width("or to step M", 110));
    ImGui::SetNextItemWidth(110);
    ImGui::InputInt("or to step M", &continue_to_, 100);
    continue_to_ = std::clamp(continue_to_, 0, 100000);
    tip("continue to exactly this step instead (0: use the multiple of K)");
    same_line_if_fits(button_width("Run to 100000"));
    const bool running = !s.view_jobs->idle() && shown_ && !shown_->finished.load() && !shown_->cancelled.load();
    char label[48];
    std::snprintf(label, sizeof(label), "Run to %d", M);
    if (ImGui::Button(label)) run(ctx);
    tip("run the same chains (same z and noise u_k) from step 0 to M; progress and a stop are in the job list");
    same_line_if_fits(button_width("Stop"));
    {
      DisabledWhy off(!running, "no long run is running");
      if (ImGui::Button("Stop")) stop(ctx);
      tip("stop the long run (the curves so far stay)");
    }
    same_line_if_fits(button_width("Export"));
    {
      DisabledWhy off(!shown_ || !shown_->finished.load(), !shown_ ? "no long run yet: press Run to M first"
                                                                  : "the long run is still going: it exports when it has finished");
      if (ImGui::Button("Export")) export_now(ctx);
      tip(("write the PNG x_K | x_M, a JSON of the settings and the `shortrun sample --continue-to` command that redraws it, "
           "to " + ctx.folder_for(export_folder_) + " (the sidebar's export folder)").c_str());
    }
    if (s.chain_rate > 0) {
      ImGui::TextDisabled("a run to %d: ~%s at %.0f chain-steps/s", M,
                          format_duration(s.costs.seconds(WorkKind::kChainStep, double(M) * s.sampler.chains)).c_str(), s.chain_rate);
      tip(("time " + s.costs.basis() + "; runs estimated over 10 s ask first").c_str());
      if (shown_) same_line_if_fits(260.0f, 24.0f);
    }
    if (shown_) {
      const LongRunData& d = *shown_;
      const int ready = d.ready.load();
      ImGui::TextDisabled("run %llu: %d/%d steps %s in %.1f s", static_cast<unsigned long long>(d.id),
                          std::max(0, ready - 1), d.M, d.finished.load() ? "done" : d.cancelled.load() ? "stopped" : "running",
                          d.seconds.load());
      const std::vector<LongRunData::Frame> frames = d.frames();
      if (frames.size() > 1) {
        same_line_if_fits(200.0f);
        ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x * 0.5f));
        int index = 0;
        for (size_t i = 0; i < frames.size(); ++i)
          if (frames[i].step <= right_step_) index = int(i);
        char fmt[48];
        std::snprintf(fmt, sizeof(fmt), "right: step %d", frames[size_t(index)].step);
        if (ImGui::SliderInt("##right", &index, 0, int(frames.size()) - 1, fmt)) {
          shown_step_ = frames[size_t(std::clamp(index, 0, int(frames.size()) - 1))].step;
          follow_ = false;
        }
        tip("the step the right grid shows: the kept images of a strided, bounded trajectory (at most 64)");
        same_line_if_fits(labelled_width("newest", ImGui::GetFrameHeight()));
        if (ImGui::Checkbox("newest", &follow_)) shown_step_ = -1;
        tip("show the newest kept step (M when the run is done)");
      }
    }
    const std::string command = export_.command();
    if (!command.empty()) cli_line(command, "copy the command that redraws the exported PNG");
  }

  void draw_plots(const LongRunData& d, int ready, float height) {
    const int n = d.shape.n;
    PlotSpec spec;
    spec.x_count = d.M + 1;
    spec.marker = d.K;
    spec.size = ImVec2(0, height);
    const auto series = [&](const std::vector<float>& v, const char* name, ImU32 colour) {
      std::vector<PlotSeries> out;
      const int stride = (n + 15) / 16;  // at most 16 faint per-chain lines
      for (int i = 0; i < n; i += stride) out.push_back({chain_curve(v, n, i, ready), IM_COL32(150, 170, 200, 45), 1.0f, "", true});
      out.push_back({step_means(v, n, ready), colour, 2.2f, name});
      return out;
    };
    char title[128];
    std::snprintf(title, sizeof(title), "f(x_k): mean and per chain; the line marks K = %d", d.K);
    spec.title = title;
    int picked = plot_lines("lr_energy", spec, series(d.energy, "mean f", IM_COL32(90, 200, 255, 255)));
    spec.title = "|grad f(x_k)| (log scale)";
    spec.log_y = true;
    const int picked2 = plot_lines("lr_grad", spec, series(d.grad_norm, "mean |grad f|", IM_COL32(90, 200, 255, 255)));
    spec.title = "saturated-pixel fraction (|x| >= 0.99): mean over chains";
    spec.log_y = false;
    std::vector<PlotSeries> sat = series(d.saturated, "mean saturated", IM_COL32(240, 150, 60, 255));
    const int picked3 = plot_lines("lr_saturated", spec, sat);
    for (int p : {picked, picked2, picked3})
      if (p >= 0) shown_step_ = p, follow_ = false;  // the right grid jumps to the kept step at or before it
  }

  int multiple_ = 10, continue_to_ = 0;
  int shown_step_ = -1, right_step_ = 0;
  bool follow_ = true;
  std::string export_folder_;  // "" : the sidebar's export folder (a script may set its own)
  uint64_t job_ = 0;
  std::shared_ptr<const LongRunData> shown_;  // UI thread: what this frame draws
  ImageGrid short_grid_, long_grid_;
  SlotWatch<LongRunData> data_;       // the run, handed over as soon as it is allocated
  ExportReport export_;
};

}  // namespace

std::unique_ptr<View> make_long_run_view() { return std::make_unique<LongRunView>(); }

}  // namespace shortrun::explorer

// A/B compare view: model A (the loaded one) against model B (a path), or one model under two
// sampler settings (B's K, step size, noise), run from the same z and u_k. Grids side by side,
// their per-pixel difference through the diverging colormap, f and ‖∇f‖ of both overlaid, and
// one timeline that scrubs both. The work runs as a view job (compare_job.h); exports write the
// PNG `shortrun compare` writes. Two more modes take models of any kind (energy model, VAE, GAN):
// the same test image reconstructed by each, and the same latents interpolated by each
// (generator_compare_ui.h).
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "display/display_image.h"
#include "display/grid_layout.h"
#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "views/compare/compare_job.h"
#include "views/compare/generator_compare_ui.h"
#include "views/export_report.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "widgets/plots.h"
#include "widgets/view_widgets.h"
#include "worker/jobs_text.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {

const ImU32 kColorA = IM_COL32(90, 200, 255, 255), kColorB = IM_COL32(255, 150, 70, 255);

class CompareView : public View {
 public:
  const char* title() const override { return "A/B compare"; }
  const char* id() const override { return "compare"; }

  std::vector<std::string> controls() const override {
    std::vector<std::string> c = {"ab_mode", "ab_model_b", "ab_steps_b", "ab_step_size_b", "ab_noise_b", "ab_chains", "ab_diff_range", "ab_step", "ab_folder"};
    for (const std::string& g : GeneratorComparePanel::controls()) c.push_back(g);
    return c;
  }
  std::vector<std::string> buttons() const override {
    std::vector<std::string> b = {"ab_run", "ab_stop", "ab_export", "ab_b_from_a", "ab_reset_a", "ab_reset_b", "ab_browse_b"};
    for (const std::string& g : GeneratorComparePanel::buttons()) b.push_back(g);
    return b;
  }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    init_b(ctx);
    if (name.rfind("gc_", 0) == 0) return generators_.set_control(ctx, name, v);
    if (name == "ab_mode") {
      const std::string m = v.get<std::string>();
      const auto it = std::find(std::begin(kModes), std::end(kModes), m);
      if (it == std::end(kModes)) throw Error("ab_mode must be chains, reconstruct or interpolate");
      mode_ = int(it - std::begin(kModes));
    } else if (name == "ab_model_b") set_field(model_b_, sizeof(model_b_), v.get<std::string>()), b_own_ = model_b_[0] != 0;
    else if (name == "ab_steps_b") steps_b_ = std::clamp(v.get<int>(), 1, 100000), b_own_ = false;
    else if (name == "ab_step_size_b") step_size_b_ = v.get<float>(), b_own_ = false;
    else if (name == "ab_noise_b") noise_b_ = v.get<float>(), b_own_ = false;
    else if (name == "ab_chains") chains_ = std::clamp(v.get<int>(), 1, 1024);
    else if (name == "ab_diff_range") diff_range_ = std::clamp(v.get<float>(), 1e-3f, 2.0f), dirty_ = true;
    else if (name == "ab_step") step_ = std::max(0, v.get<int>()), dirty_ = true;
    else if (name == "ab_folder") set_field(folder_, sizeof(folder_), v.get<std::string>());
  }

  void press(ViewContext& ctx, const std::string& button) override {
    init_b(ctx);
    if (button.rfind("gc_", 0) == 0) return generators_.press(ctx, button, kModes[mode_ == 0 ? 1 : mode_]);
    if (button == "ab_run") run(ctx);
    else if (button == "ab_stop") stop(ctx);
    else if (button == "ab_export") export_png(ctx);
    else if (button == "ab_b_from_a") b_from_a(ctx);
    else if (button == "ab_reset_a") reset_a(ctx);
    else if (button == "ab_reset_b") reset_b(ctx);
    else if (button == "ab_browse_b") browse_b(ctx);
  }

  bool busy() const override { return probe_.slot->running.load() || export_.running() || generators_.busy(); }

  void model_changed(ViewContext& ctx) override {
    generators_.model_changed(ctx);
    // Chains need an energy model: with a VAE or GAN loaded the tab opens on reconstructions.
    if (ctx.session.pub.model && !ctx.session.pub.model->is_ebm() && mode_ == 0) mode_ = 1;
    stop(ctx);  // a probe of the old model must not publish over the new one (the slot drops it)
    probe_.clear(shown_);
    b_initialized_ = false;
    dirty_ = true;
  }

  void release_gl() override {
    generators_.release_gl();
    grid_a_ = std::make_unique<DisplayImage>();
    grid_b_ = std::make_unique<DisplayImage>();
    grid_diff_ = std::make_unique<DisplayImage>();
  }

  void update(ViewContext& ctx) override {
    if (probe_.changed()) {
      if (probe_.take(shown_, error_)) {
        if (shown_) {
          step_ = last_step();
          ctx.status("A/B compare: " + count_of(shown_->shape.n, "chain") + " in " + seconds_text(shown_->seconds));
        }
      }
      dirty_ = true;
    }
    export_.update(ctx);
    if (dirty_ && shown_) upload(ctx);
    generators_.update(ctx);
  }

  void draw(ViewContext& ctx) override {
    init_b(ctx);
    const ModelInfo* m = ctx.session.pub.model.get();
    ImGui::SetNextItemWidth(260);
    ImGui::Combo("compare", &mode_, "chains (two energy models)\0reconstruction (any kind)\0interpolation (any kind)\0");
    tip("chains: two EBMs or two sampler settings from the same z and u_k; reconstruction / interpolation: the loaded "
        "model, B and C of any kind (energy model, VAE, GAN) on the same test image / the same latents");
    if (mode_ != 0) {
      draw_model_b(ctx);
      generators_.draw(ctx, kModes[mode_]);
      return;
    }
    if (m && !m->is_ebm()) {
      ImGui::PushTextWrapPos(0.0f);
      ImGui::TextUnformatted(("Chains needs an energy model: the loaded " + m->kind_name +
                              " has no Langevin chain. Choose reconstruction or interpolation above to compare it.")
                                 .c_str());
      ImGui::PopTextWrapPos();
      return;
    }
    draw_settings(ctx);
    ImGui::Separator();
    if (!shown_) {
      ImGui::TextDisabled("set B (another model, or other sampler settings) and press Compare");
      return;
    }
    draw_timeline();
    draw_grids();
    draw_curves();
    draw_export(ctx);
  }

  nlohmann::json state() const override {
    nlohmann::json j = {{"mode", kModes[mode_]},
                        {"generators", generators_.state()},
                        {"running", probe_.slot->running.load()},
                        {"progress", {probe_.slot->done.load(), probe_.slot->total.load()}},
                        {"error", error_},
                        {"model_b", model_b_},
                        {"steps_b", steps_b_},
                        {"b_own_sampler", b_own_},
                        {"step_size_b", step_size_b_},
                        {"noise_b", noise_b_},
                        {"chains", chains_},
                        {"diff_range", diff_range_}};
    export_.add_state(j);
    if (shown_) {
      const AbResult& r = *shown_;
      j["step"] = step_;
      j["steps_a"] = r.a.sampler.steps;
      j["steps_b_run"] = r.b.sampler.steps;
      j["frame_a"] = r.a.frame_steps[size_t(r.a.frame_at(step_))];
      j["frame_b"] = r.b.frame_steps[size_t(r.b.frame_at(step_))];
      j["rms_mean"] = r.rms_mean;
      j["max_abs"] = r.max_abs;
      j["energy_final"] = {r.a.energy_mean.back(), r.b.energy_mean.back()};
      j["grad_norm_final"] = {r.a.grad_norm_mean.back(), r.b.grad_norm_mean.back()};
      j["frozen"] = {r.a.frozen, r.b.frozen};
      j["model_a_path"] = r.request.model_a;
      j["model_b_path"] = r.request.model_b;
      j["seconds"] = r.seconds;
      j["settings"] = r.settings;
    }
    return j;
  }

 private:
  static constexpr const char* kModes[] = {"chains", "reconstruct", "interpolate"};

  // Model B alone (the generator modes: its sampler is its own).
  void draw_model_b(ViewContext& ctx) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kColorB), "B");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x * 0.45f));
    ImGui::InputTextWithHint("##ab_model_b_gen", "model B: a path (optional; EBM, VAE or GAN)", model_b_, sizeof(model_b_));
    tip("model B (.safetensors or a run directory), any kind; an EBM samples with its own stored sampler");
    ImGui::SameLine();
    if (ImGui::Button("Browse...##bgen")) browse_b(ctx);
    tip("choose model B in the file chooser");
  }

  int last_step() const {
    return shown_ ? int(std::max(shown_->a.sampler.steps, shown_->b.sampler.steps)) : 0;
  }

  // B starts as the sidebar's settings with half the step size, so the first Compare shows a
  // difference; "B = A" copies them exactly.
  void init_b(ViewContext& ctx) {
    if (b_initialized_ || !ctx.session.pub.model) return;
    b_from_a(ctx);
    step_size_b_ = ctx.session.sampler.step_size * 0.5f;
  }

  void b_from_a(ViewContext& ctx) {
    const SamplerSettings& a = ctx.session.sampler;
    steps_b_ = a.steps;
    step_size_b_ = a.step_size;
    noise_b_ = a.noise_std;
    b_initialized_ = true;
    b_own_ = false;
  }

  // A back to model A's stored sampler (the sidebar's settings, as its Reset does; chains kept).
  void reset_a(ViewContext& ctx) {
    if (!ctx.session.pub.model) return;
    SamplerSettings d = ctx.session.pub.model->defaults;
    d.chains = ctx.session.sampler.chains;
    ctx.session.sampler = d;
    ctx.status("A: model A's stored sampler (K=" + std::to_string(d.steps) + ")");
  }

  // B: model B's own stored sampler (read from its checkpoint when the comparison runs); with
  // no model B, model A's defaults.
  void reset_b(ViewContext& ctx) {
    if (model_b_[0]) {
      b_own_ = true;
      ctx.status("B: model B's stored sampler (K, step size, noise from its checkpoint)");
    } else if (ctx.session.pub.model) {
      const SamplerSettings& d = ctx.session.pub.model->defaults;
      steps_b_ = d.steps, step_size_b_ = d.step_size, noise_b_ = d.noise_std;
      b_own_ = false;
    }
  }

  void browse_b(ViewContext& ctx) {
    ctx.browse_models("Model B", model_b_[0] ? model_b_ : (ctx.session.pub.model ? ctx.session.pub.model->path : ""),
                      [this](const std::string& path) {
                        set_field(model_b_, sizeof(model_b_), path);
                        b_own_ = true;  // a new model B starts from its own sampler
                      });
  }

  void run(ViewContext& ctx) {
    if (!ctx.session.pub.model) {
      error_ = "A/B compare: load a model first";
      ctx.error(error_);
      return;
    }
    if (!ctx.session.pub.model->is_ebm()) {
      error_ = "A/B compare of chains needs an energy model: the loaded " + ctx.session.pub.model->kind_name +
               " has no Langevin chain (compare reconstructions or interpolations instead)";
      ctx.error(error_);
      return;
    }
    AbRequest req;
    req.model_a = ctx.session.pub.model->path;
    std::string b = model_b_;
    b.erase(0, b.find_first_not_of(" \t"));
    b.erase(b.find_last_not_of(" \t") + 1);
    if (!b.empty()) {
      std::error_code ec;
      if (!fs::exists(b, ec)) {
        error_ = b + ": no such file or folder (expected model B: a .safetensors/.pt model or a run directory)";
        ctx.error(error_);
        return;
      }
      req.model_b = fs::absolute(b, ec).lexically_normal().string();
    }
    req.sampler_a = ctx.session.sampler;
    req.b_own_sampler = b_own_ && !req.model_b.empty();
    req.steps_b = steps_b_;
    req.step_size_b = step_size_b_;
    req.noise_b = noise_b_;
    req.chains = chains_;
    req.diff_range = diff_range_;
    error_.clear();
    // Priced first: both sides' chains for their K (model B's own K is known once it is read: its
    // field value stands in until then).
    const double secs = ctx.session.costs.seconds(WorkKind::kChainStep, double(req.chains) * double(req.sampler_a.steps + req.steps_b));
    const std::string what = "A/B compare: " + count_of(req.chains, "chain") + " a side, K = " + std::to_string(req.sampler_a.steps) +
                             " and " + (req.b_own_sampler ? std::string("model B's own K") : std::to_string(req.steps_b));
    Session* session = &ctx.session;
    ctx.session.run_or_ask(what, secs, [this, req, session] { job_ = post_compare(*session->view_jobs, req, probe_.slot); });
  }

  void stop(ViewContext& ctx) {
    if (job_) ctx.session.view_jobs->cancel(job_);
  }

  void export_png(ViewContext& ctx) {
    if (!shown_) {
      export_.refuse(ctx, "nothing to export yet: run the comparison first");
      return;
    }
    try {
      post_compare_export(*ctx.session.view_jobs, shown_, export_path(ctx.folder_for(folder_), "ab", ".png"), export_.slot());
    } catch (const std::exception& e) {
      export_.failed(ctx, e.what());
    }
  }

  // Grids A and B at the timeline's step (a side with a smaller K holds its x_K) and B − A.
  void upload(ViewContext& ctx) {
    const AbResult& r = *shown_;
    const ImageShape s = r.shape;
    step_ = std::clamp(step_, 0, last_step());
    const std::vector<float>& fa = r.a.frames[size_t(r.a.frame_at(step_))];
    const std::vector<float>& fb = r.b.frames[size_t(r.b.frame_at(step_))];
    std::vector<int> picks(size_t(s.n));
    for (int i = 0; i < s.n; ++i) picks[size_t(i)] = i;
    const int cols = int(std::ceil(std::sqrt(double(s.n))));  // as compare_default_cols
    layout_ = grid_layout(s.n, cols, s.w, s.h, 2);
    const auto put = [&](DisplayImage& img, const std::vector<float>& grid, int channels, const DisplayParams& p) {
      img.ensure(layout_.width, layout_.height, channels);
      img.upload(ctx.uploader, {Tile{0, 0, layout_.width, layout_.height, channels, grid.data()}});
      img.render(ctx.colormap, p);
    };
    put(*grid_a_, compose_grid(fa, s, picks, layout_, 1.0f), s.c, DisplayParams{});
    put(*grid_b_, compose_grid(fb, s, picks, layout_, 1.0f), s.c, DisplayParams{});
    // The difference averaged over channels, as difference_colormap does; 0 (white) between cells.
    const ImageShape gray{s.n, 1, s.h, s.w};
    std::vector<float> diff(gray.floats());
    for (size_t p = 0; p < diff.size(); ++p) {
      float acc = 0;
      for (int c = 0; c < s.c; ++c) acc += fb[p * size_t(s.c) + size_t(c)] - fa[p * size_t(s.c) + size_t(c)];
      diff[p] = acc / float(s.c);
    }
    DisplayParams dp;
    dp.lo = -diff_range_;
    dp.hi = diff_range_;
    dp.colormap = Colormap::kDiverging;
    put(*grid_diff_, compose_grid(diff, gray, picks, layout_, 0.0f), 1, dp);
    dirty_ = false;
  }

  void draw_settings(ViewContext& ctx) {
    const SamplerSettings& a = ctx.session.sampler;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kColorA), "A");
    ImGui::SameLine();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s: K=%d, step %.3g, noise %.3g, seed %d, %s init (the loaded model, the sidebar's sampler)",
                        ctx.session.pub.model ? fs::path(ctx.session.pub.model->path).filename().string().c_str() : "no model",
                        a.steps, a.step_size, a.noise_std, a.seed, a.init.c_str());
    ImGui::PopTextWrapPos();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kColorB), "B");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x * 0.45f));
    if (ImGui::InputTextWithHint("##ab_model_b", "model B: a path (empty: model A, to compare sampler settings)", model_b_,
                                 sizeof(model_b_)))
      b_own_ = model_b_[0] != 0;  // a new model B starts from its own stored sampler
    tip("model B (.safetensors, .pt or a run directory); empty compares model A under B's sampler settings");
    ImGui::SameLine();
    if (ImGui::Button("Browse...##b")) browse_b(ctx);
    tip("choose model B in the file chooser");
    same_line_if_fits(labelled_width("K##b", 90));
    ImGui::PushItemWidth(90);
    if (b_own_) {
      // Model B's own K, step size and noise are read from its checkpoint when it runs.
      ImGui::TextDisabled("K, step size, noise: model B's own (from its checkpoint)");
      tip("B runs with the sampler model B was trained with; type values with \"B = A\" and edit them, or run once to see them");
    } else {
      if (ImGui::InputInt("K##b", &steps_b_, 0, 0)) b_own_ = false;
      steps_b_ = std::clamp(steps_b_, 1, 100000);
      tip("B's number of Langevin steps (shortrun compare --steps-b)");
      same_line_if_fits(labelled_width("step size##b", 90));
      ImGui::InputFloat("step size##b", &step_size_b_, 0, 0, "%.4g");
      tip("B's step size (--step-size-b)");
      same_line_if_fits(labelled_width("noise##b", 90));
      ImGui::InputFloat("noise##b", &noise_b_, 0, 0, "%.4g");
      noise_b_ = std::max(0.0f, noise_b_);
      tip("B's noise standard deviation (--noise-b); its seed and init are A's, so both see the same z and u_k");
    }
    ImGui::PopItemWidth();
    same_line_if_fits(button_width("B = A"));
    if (ImGui::Button("B = A")) b_from_a(ctx);
    tip("copy A's K, step size and noise into B");
    same_line_if_fits(button_width("reset B"));
    if (ImGui::Button("reset B")) reset_b(ctx);
    tip("B back to its model's stored sampler (model B's checkpoint; model A's with no model B)");
    same_line_if_fits(button_width("reset A"));
    if (ImGui::Button("reset A")) reset_a(ctx);
    tip("A (the sidebar's sampler) back to model A's stored sampler");

    ImGui::SetNextItemWidth(110);
    ImGui::InputInt("chains", &chains_, 1, 4);
    chains_ = std::clamp(chains_, 1, 1024);
    tip("chains 0..n-1 on each side (shortrun compare --n)");
    same_line_if_fits(labelled_width("difference range", 120));
    ImGui::SetNextItemWidth(120);
    if (ImGui::SliderFloat("difference range", &diff_range_, 0.01f, 2.0f, "%.2f", ImGuiSliderFlags_Logarithmic)) dirty_ = true;
    tip("|x_B - x_A| shown at full colour in the difference view (--diff-range)");
    const bool running = probe_.slot->running.load();
    same_line_if_fits(button_width("Compare") + button_width("Stop") + 8);
    if (ImGui::Button("Compare")) run(ctx);
    tip("run A and B from the same z and u_k");
    ImGui::SameLine();
    {
      DisabledWhy off(!running, "no comparison is running");
      if (ImGui::Button("Stop")) stop(ctx);
      tip("stop the comparison (between two Langevin steps)");
    }
    if (running) progress_line("comparing", probe_.slot->done.load(), probe_.slot->total.load(), "chain-steps");
    job_outcome(error_, shown_ != nullptr);
  }

  void draw_timeline() {
    const AbResult& r = *shown_;
    ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x - labelled_width("timeline", 0) - 8));
    char fmt[64];
    std::snprintf(fmt, sizeof(fmt), "step %%d   (A: K=%lld, B: K=%lld)", static_cast<long long>(r.a.sampler.steps),
                  static_cast<long long>(r.b.sampler.steps));
    if (ImGui::SliderInt("timeline", &step_, 0, last_step(), fmt)) dirty_ = true;
    tip("scrubs both sides at once; a side whose K is smaller holds its x_K past it");
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("at the end: RMS(x_B - x_A) %.3g per pixel (mean over chains), max |x_B - x_A| %.3g; mean f A %.4g, "
                        "B %.4g; %d + %d chains frozen (non-finite)",
                        r.rms_mean, r.max_abs, r.a.energy_mean.back(), r.b.energy_mean.back(), r.a.frozen, r.b.frozen);
    ImGui::PopTextWrapPos();
  }

  void draw_grids() {
    const AbResult& r = *shown_;
    if (!grid_a_->valid()) return;
    const float gap = 16;
    const float avail = ImGui::GetContentRegionAvail().x;
    const float scale = std::max(1.0f, std::floor(std::min((avail - 2 * gap) / 3.0f / float(layout_.width), 360.0f / float(layout_.height))));
    const ImVec2 size(layout_.width * scale, layout_.height * scale);
    const int ka = r.a.frame_steps[size_t(r.a.frame_at(step_))], kb = r.b.frame_steps[size_t(r.b.frame_at(step_))];
    const auto titled = [&](const char* title, ImU32 color, DisplayImage& img, const char* what) {
      ImGui::BeginGroup();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(color), "%s", title);
      ImGui::Image(img.id(), size);
      tip(what);
      ImGui::EndGroup();
    };
    char ta[64], tb[64];
    std::snprintf(ta, sizeof(ta), "A at step %d", ka);
    std::snprintf(tb, sizeof(tb), "B at step %d", kb);
    titled(ta, kColorA, *grid_a_, "side A's chains at the timeline's step");
    ImGui::SameLine(0, gap);
    titled(tb, kColorB, *grid_b_, "side B's chains from the same z and u_k");
    ImGui::SameLine(0, gap);
    titled("B - A (red: B brighter, blue: B darker)", IM_COL32(220, 220, 220, 255), *grid_diff_,
           "the per-pixel difference x_B - x_A (channels averaged), white at 0, full colour at the difference range");
  }

  void draw_curves() {
    const AbResult& r = *shown_;
    const int x_count = last_step() + 1;
    const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
    PlotSpec spec;
    spec.x_count = x_count;
    spec.marker = step_;
    spec.size = ImVec2(w, 150);
    spec.title = "mean f(x_k): A blue, B orange";
    // Each plot (its title line and its area) in a group, so the two sit side by side.
    ImGui::BeginGroup();
    const int picked_e = plot_lines("ab_energy", spec, {{r.a.energy_mean, kColorA, 2.0f, "A"}, {r.b.energy_mean, kColorB, 2.0f, "B"}});
    tip("mean f over the chains at each step, both sides; click or drag to scrub");
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    spec.title = "mean |grad f(x_k)| (log): A blue, B orange";
    spec.log_y = true;
    const int picked_g =
        plot_lines("ab_grad", spec, {{r.a.grad_norm_mean, kColorA, 2.0f, "A"}, {r.b.grad_norm_mean, kColorB, 2.0f, "B"}});
    tip("mean gradient norm at each step, both sides; click or drag to scrub");
    ImGui::EndGroup();
    const int picked = picked_e >= 0 ? picked_e : picked_g;
    if (picked >= 0 && picked != step_) step_ = picked, dirty_ = true;
  }

  void draw_export(ViewContext& ctx) {
    if (export_row("##ab_folder", folder_, sizeof(folder_), export_.running(),
                   "grid A | grid B | difference at the end of both runs, as shortrun compare writes it, with a .json "
                   "of the settings and the command that reproduces the PNG", ctx.export_folder))
      export_png(ctx);
    export_outcome(export_.error(), export_.outcome().line, export_.outcome().command);
  }

  char model_b_[1024] = "";
  int mode_ = 0;  // kModes
  GeneratorComparePanel generators_{model_b_, sizeof(model_b_)};
  bool b_own_ = false;  // B runs model B's stored sampler (set by a new model B or its reset)
  char folder_[512] = "";  // empty: the sidebar's export folder
  int steps_b_ = 50, chains_ = 16;
  float step_size_b_ = 1.0f, noise_b_ = 0.01f, diff_range_ = 0.5f;
  bool b_initialized_ = false;
  SlotWatch<AbResult> probe_;
  ExportReport export_;
  std::shared_ptr<const AbResult> shown_;
  uint64_t job_ = 0;
  std::string error_;
  int step_ = 0;
  bool dirty_ = true;
  std::unique_ptr<DisplayImage> grid_a_ = std::make_unique<DisplayImage>(), grid_b_ = std::make_unique<DisplayImage>(),
                                grid_diff_ = std::make_unique<DisplayImage>();
  GridLayout layout_;
};

}  // namespace

std::unique_ptr<View> make_compare_view() { return std::make_unique<CompareView>(); }

}  // namespace shortrun::explorer

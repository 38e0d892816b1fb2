// The "2-D" tab: the paper's whole method on one screen. A small MLP energy learns a toy density
// by short-run MCMC on its own thread (toy2d_runner.h) while the tab shows the target, the
// learned exp(f), the energy with its gradient field, particles moving through their K steps,
// short-run against long-run particles, and the KL / MMD to the target over iterations. A
// painted canvas can be the target; the export is the run directory `shortrun train` writes, and
// such a run's model.safetensors opens here again (Open..., a drop, or the sidebar's model field).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include "display/display_image.h"
#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "views/file_kinds.h"
#include "views/toy2d/toy2d_overlays.h"
#include "views/toy2d/toy2d_runner.h"
#include "views/user_config.h"
#include "views/view.h"
#include "widgets/canvas.h"
#include "widgets/layout_util.h"
#include "widgets/plots.h"

namespace shortrun::explorer {
std::unique_ptr<View> make_toy2d_view();

namespace {

constexpr int kCanvasSize = 32;  // the painted target's cells per side
const char* kTargets[] = {"ring8", "moons", "spirals", "checkerboard", "gaussian:1,0.5,0.6", "drawn"};
constexpr int kTargetCount = 6;

class Toy2dView : public View {
 public:
  Toy2dView() : runner_(Toy2dControls{}) {
    controls_ = runner_.controls();
    canvas_.reset(kCanvasSize, kCanvasSize, 1, -1.0f);
  }

  const char* title() const override { return "2-D"; }
  const char* id() const override { return "toy2d"; }

  void update(ViewContext& ctx) override {
    if (!pending_open_.empty()) {  // picked in the file chooser
      const std::string path = std::move(pending_open_);
      pending_open_.clear();
      try {
        open_model(ctx, path);
      } catch (const Error& e) {
        ctx.error(e.what());
      }
    }
    controls_ = runner_.controls();  // the runner's are the truth (a drawing or a refused target changes them)
    const auto [line, version] = runner_.error();
    if (version != seen_error_) {
      seen_error_ = version;
      if (!line.empty()) ctx.error(line);
    }
    const Toy2dExportResult r = runner_.export_result();
    if (r.id != seen_export_) {
      seen_export_ = r.id;
      export_ = r;
      if (r.error.empty())
        ctx.status("2-D: exported iteration " + std::to_string(r.iteration) + " to " + r.dir +
                   (r.reproducible ? ""
                    : snap_ && !snap_->loaded.empty() ? " (continued from " + snap_->loaded + ": the command trains afresh and does not reproduce it)"
                    : " (settings changed during training: the command does not reproduce it)"));
    }
    snap_ = runner_.snapshot();
    if (snap_ && snap_->loaded != remembered_) {  // an opened model joins the sidebar's recent files
      remembered_ = snap_->loaded;
      if (!remembered_.empty()) ctx.config.add_recent(remembered_);
    }
    if (!gl_ || !snap_ || snap_->version == uploaded_ || snap_->grid == 0) return;
    uploaded_ = snap_->version;
    const int g = snap_->grid;
    if (snap_->target != uploaded_target_ || gl_->target.width() != g) {
      upload(ctx, gl_->target, scaled(snap_->target_density, true), g);
      uploaded_target_ = snap_->target;
    }
    upload(ctx, gl_->density, scaled(snap_->density, true), g);
    upload(ctx, gl_->energy, scaled(snap_->energy, false), g);
  }

  void draw(ViewContext& ctx) override {
    draw_controls(ctx);
    const std::shared_ptr<const Toy2dSnapshot> s = snap_;
    if (!s || s->grid == 0) {
      ImGui::TextDisabled("starting the trainer...");
      return;
    }
    draw_status(*s);
    // Four squares in a row when they fit at >= 220 px, else two by two.
    const float avail = ImGui::GetContentRegionAvail().x, gap = 8 * ctx.ui_scale;
    const bool row = (avail - 3 * gap) / 4 >= 220 * ctx.ui_scale;
    const float bottom = 190 * ctx.ui_scale;
    float side = row ? (avail - 3 * gap) / 4 : (avail - gap) / 2;
    const float height_left = ImGui::GetContentRegionAvail().y - bottom - (row ? 1 : 2) * ImGui::GetTextLineHeightWithSpacing();
    side = std::max(120.0f, std::min(side, row ? height_left : (height_left - gap) / 2));
    const float t = float(ctx.now);
    for (int p = 0; p < 4; ++p) {
      if (p > 0 && (row || p != 2)) ImGui::SameLine(0, gap);
      ImGui::BeginGroup();
      draw_square(*s, p, side, t);
      ImGui::EndGroup();
    }
    draw_bottom(*s, ctx, std::max(bottom, ImGui::GetContentRegionAvail().y - ImGui::GetStyle().ItemSpacing.y));
  }

  std::vector<std::string> controls() const override {
    return {"toy_target", "toy_steps", "toy_step_size", "toy_noise", "toy_lr", "toy_batch", "toy_seed", "toy_until",
            "toy_export_dir", "toy_show_short", "toy_draw", "toy_load"};
  }
  std::vector<std::string> buttons() const override {
    return {"toy_start", "toy_pause", "toy_reset", "toy_export", "toy_use_drawing", "toy_clear_drawing"};
  }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    try {
      Toy2dControls c = controls_;
      if (name == "toy_target") {
        c.target = v.get<std::string>();
      } else if (name == "toy_steps") {
        c.steps = v.get<int64_t>();
        if (c.steps < 1 || c.steps > 10000) throw Error("toy_steps: K must be in 1..10000");
      } else if (name == "toy_step_size") {
        c.step_size = v.get<double>();
        if (!(c.step_size > 0)) throw Error("toy_step_size: must be > 0");
      } else if (name == "toy_noise") {
        c.noise = v.get<double>();
        if (!(c.noise >= 0)) throw Error("toy_noise: must be >= 0");
      } else if (name == "toy_lr") {
        c.lr = v.get<double>();
        if (!(c.lr > 0)) throw Error("toy_lr: must be > 0");
      } else if (name == "toy_batch") {
        c.batch = v.get<int64_t>();
        if (c.batch < 2 || c.batch > 65536) throw Error("toy_batch: must be in 2..65536");
      } else if (name == "toy_seed") {
        c.seed = v.get<uint64_t>();
      } else if (name == "toy_until") {
        c.until = v.get<int64_t>();
        if (c.until < 0) throw Error("toy_until: must be >= 0 (0: no limit)");
      } else if (name == "toy_export_dir") {
        std::snprintf(export_dir_, sizeof export_dir_, "%s", v.get<std::string>().c_str());
        return;
      } else if (name == "toy_load") {
        open_model(ctx, v.get<std::string>());
        return;
      } else if (name == "toy_show_short") {
        show_short_ = v.get<bool>();
        return;
      } else if (name == "toy_draw") {
        // {"points": [[x, y], ...] in canvas cells, "radius": r, "erase": false}: one stroke.
        Brush b;
        b.radius = json_get(v, "radius", 2.0f);
        b.erase = json_get(v, "erase", false);
        canvas_.begin_stroke();
        for (const auto& p : v.at("points")) canvas_.stroke_to(p.at(0).get<float>(), p.at(1).get<float>(), b);
        canvas_.end_stroke();
        return;
      } else {
        throw Error("unknown control " + name);
      }
      apply(c);
    } catch (const nlohmann::json::exception& e) {
      throw Error(name + ": " + e.what());
    }
  }

  void press(ViewContext& ctx, const std::string& button) override {
    if (button == "toy_start") runner_.start();
    else if (button == "toy_pause") runner_.pause();
    else if (button == "toy_reset") runner_.reset();
    else if (button == "toy_export") runner_.request_export(export_dir(ctx));
    else if (button == "toy_use_drawing") use_drawing();
    else if (button == "toy_clear_drawing") canvas_.clear();
    else throw Error("unknown button " + button);
  }

  bool busy() const override { return runner_.busy(); }

  // A 2-D playground model (or its run directory) dropped here opens here; anything else goes on
  // to the explorer (an image model loads in the sidebar).
  bool take_drop(ViewContext& ctx, const std::vector<std::string>& paths) override {
    if (paths.size() != 1 || !is_toy_model(paths[0])) return false;
    open_model(ctx, paths[0]);
    return true;
  }

  // Training in the 2-D tab is long work too: it is in the sidebar's job list, and its x pauses it.
  std::vector<JobStatus> own_jobs() const override {
    if (!runner_.running()) return {};
    JobStatus j;
    j.id = 1;
    j.kind = "toy2d";
    j.state = "running";
    j.unit = "iteration";
    const auto s = runner_.snapshot();
    const Toy2dControls c = runner_.controls();
    j.done = s ? s->iteration : 0;
    j.total = c.until;  // 0: until paused (elapsed time shown)
    if (s && s->its_per_s > 0 && c.until > j.done) j.eta_s = double(c.until - j.done) / s->its_per_s;
    j.label = "2-D playground training (" + c.target + ")";
    return {j};
  }
  void stop_own_job(uint64_t) override { runner_.pause(); }

  nlohmann::json state() const override {
    nlohmann::json j;
    const Toy2dControls c = runner_.controls();
    j["controls"] = {{"target", c.target}, {"steps", c.steps}, {"step_size", c.step_size}, {"noise", c.noise},
                     {"lr", c.lr},         {"batch", c.batch}, {"seed", c.seed},           {"until", c.until}};
    if (const auto s = runner_.snapshot()) {
      j["iteration"] = s->iteration;
      j["running"] = runner_.running();
      j["its_per_s"] = s->its_per_s;
      j["target"] = s->target;
      j["history"] = s->kl.size();
      j["kl"] = s->kl.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->kl.back());
      j["mmd"] = s->mmd.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->mmd.back());
      j["kl_first"] = s->kl.empty() ? nlohmann::json(nullptr) : nlohmann::json(s->kl.front());
      j["grid"] = s->grid;
      j["particles"] = s->chains;
      j["frames"] = s->frames;
      j["long_run"] = {{"n", s->long_n}, {"steps", s->long_steps}, {"iteration", s->long_iteration}};
      j["snapshots"] = s->version;
      j["reproducible"] = s->reproducible;
      j["changed_at"] = s->changed_at;
      j["loaded"] = s->loaded;
      j["loaded_iteration"] = s->loaded_iteration;
    }
    j["canvas_ink"] = ink();
    j["export"] = {{"id", export_.id}, {"dir", export_.dir}, {"command", export_.command}, {"error", export_.error},
                   {"iteration", export_.iteration}, {"reproducible", export_.reproducible}};
    return j;
  }

  void release_gl() override { gl_.reset(); }

 private:
  void apply(const Toy2dControls& c) {
    controls_ = c;
    runner_.set_controls(c);
  }

  static bool is_toy_model(const std::string& path) {
    std::error_code ec;
    const std::string file = std::filesystem::is_directory(path, ec) ? path + "/model.safetensors" : path;
    return safetensors_role(file) == SafetensorsRole::kToy2d;
  }

  void open_model(ViewContext& ctx, const std::string& path) {
    if (!is_toy_model(path)) {
      const SafetensorsRole role = safetensors_role(path);
      throw Error(path + (role == SafetensorsRole::kCheckpoint ? ": an image model, not a 2-D playground model: load it in the sidebar's Model panel"
                          : role == SafetensorsRole::kFeatureNet ? ": the FD feature network, not a 2-D playground model"
                          : ": not a 2-D playground model (the model.safetensors of `shortrun train --data toy:...` or of this tab's Export)"));
    }
    runner_.load_model(path);
    ctx.status("2-D: opening " + path);
  }

  void use_drawing() {
    if (ink() <= 0) throw Error("2-D: paint something on the canvas first (left button paints, right button erases)");
    std::vector<float> density(canvas_.pixels().size());
    for (size_t i = 0; i < density.size(); ++i) density[i] = (canvas_.pixels()[i] + 1) / 2;  // as toy:image: reads a PNG
    runner_.use_drawing(density, kCanvasSize);
  }

  float ink() const {
    float s = 0;
    for (float v : canvas_.pixels()) s += (v + 1) / 2;
    return s;
  }

  // Densities: √(d / peak), as the exported picture shows them; energies: as they are.
  static std::vector<float> scaled(const std::vector<float>& v, bool density) {
    if (!density) return v;
    float peak = 0;
    for (float x : v) peak = std::max(peak, x);
    std::vector<float> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = peak > 0 ? std::sqrt(v[i] / peak) : 0.0f;
    return out;
  }

  static void upload(ViewContext& ctx, DisplayImage& img, const std::vector<float>& v, int g) {
    img.ensure(g, g, 1);
    img.upload(ctx.uploader, {Tile{0, 0, g, g, 1, v.data()}});
    DisplayParams p;
    p.nearest = false;
    p.colormap = Colormap::kSequential;
    p.lo = *std::min_element(v.begin(), v.end());
    p.hi = std::max(p.lo + 1e-6f, *std::max_element(v.begin(), v.end()));
    img.render(ctx.colormap, p);
  }

  void draw_controls(ViewContext& ctx) {
    const float w = 110 * ctx.ui_scale;
    Toy2dControls c = controls_;
    int current = kTargetCount - 1;
    for (int i = 0; i < kTargetCount - 1; ++i)
      if (c.target == kTargets[i]) current = i;
    ImGui::SetNextItemWidth(w * 1.3f);
    if (ImGui::Combo("target", &current, kTargets, kTargetCount)) {
      if (current == kTargetCount - 1) {
        if (ink() > 0) use_drawing();
      } else {
        c.target = kTargets[current];
        apply(c);
      }
    }
    tip("The density to learn: 8 Gaussians on a ring, two moons, two spirals, a checkerboard, one Gaussian, or the canvas you "
        "paint below (a new target restarts training)");
    bool changed = false;
    int steps = int(c.steps);
    same_line_if_fits(labelled_width("K", w));
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderInt("K", &steps, 1, 500, "%d", ImGuiSliderFlags_Logarithmic)) c.steps = steps, changed = true;
    tip("Langevin steps per short-run chain (applied at the next iteration)");
    float step = float(c.step_size), noise = float(c.noise), lr = float(c.lr);
    same_line_if_fits(labelled_width("step", w));
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderFloat("step", &step, 0.001f, 0.5f, "%.4f", ImGuiSliderFlags_Logarithmic)) c.step_size = step, changed = true;
    tip("Langevin step size: x += step * grad f + noise * u (applied at the next iteration)");
    same_line_if_fits(labelled_width("noise", w));
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderFloat("noise", &noise, 0.0f, 1.0f, "%.3f")) c.noise = noise, changed = true;
    tip("Standard deviation of the Langevin noise u (applied at the next iteration)");
    same_line_if_fits(labelled_width("lr", w));
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderFloat("lr", &lr, 1e-5f, 1e-1f, "%.5f", ImGuiSliderFlags_Logarithmic)) c.lr = lr, changed = true;
    tip("Adam learning rate (applied at the next iteration)");
    int batch = int(c.batch);
    same_line_if_fits(labelled_width("batch", w));
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderInt("batch", &batch, 16, 1024, "%d", ImGuiSliderFlags_Logarithmic)) c.batch = batch, changed = true;
    tip("Data points and short-run chains per iteration (applied at the next iteration)");
    int seed = int(c.seed);
    same_line_if_fits(labelled_width("seed", w * 0.8f));
    ImGui::SetNextItemWidth(w * 0.8f);
    if (ImGui::InputInt("seed", &seed, 0) && seed >= 0) c.seed = uint64_t(seed), changed = true;
    tip("Seed of the weights, data draws and chain noise (a new seed restarts training)");
    if (changed) apply(c);

    const bool running = runner_.running();
    if (ImGui::Button(running ? "Pause" : "Start")) running ? runner_.pause() : runner_.start();
    tip("Start or pause training (controls stay live either way)");
    ImGui::SameLine();
    if (ImGui::Button("Reset")) runner_.reset();
    tip("New weights from the seed, iteration 0");
    ImGui::SameLine();
    if (ImGui::Button("Open...")) {
      const std::shared_ptr<const Toy2dSnapshot> s = snap_;
      ctx.browse_models("Open a 2-D playground model", s && !s->loaded.empty() ? s->loaded : export_dir(ctx),
                        [this](const std::string& path) { pending_open_ = path; });
    }
    tip("Open a 2-D playground model: the model.safetensors (or the run folder) of `shortrun train --data toy:...` or of "
        "Export; it shows here as if trained here, and Start trains on from it");
    same_line_if_fits(labelled_width("short-run too", ImGui::GetFrameHeight()));
    ImGui::Checkbox("short-run too", &show_short_);
    tip("In the long-run square, also show the same chains after K steps (blue) beside x_10K (orange)");
    same_line_if_fits(button_width("Export") + 220 * ctx.ui_scale);
    if (ImGui::Button("Export")) runner_.request_export(export_dir(ctx));
    tip("Writes the run as `shortrun train --data toy:...` would: playground.png, model.safetensors, metrics.jsonl, "
        "settings.json and command.txt (the command that reproduces it)");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(200 * ctx.ui_scale);
    const std::string hint = "sidebar's: " + ctx.export_folder + "/toy2d_<time>";
    ImGui::InputTextWithHint("##toy_export_dir", hint.c_str(), export_dir_, sizeof export_dir_);
    tip(("The folder the run is written to; empty: a new toy2d_<date>-<time> folder in the sidebar's export folder, " +
         ctx.export_folder).c_str());
  }

  void draw_status(const Toy2dSnapshot& s) {
    ImGui::Text("%s  iteration %lld  %.1f it/s  KL %s  MMD %s", runner_.running() ? "training" : "paused", static_cast<long long>(s.iteration),
                s.its_per_s, s.kl.empty() ? "-" : std::to_string(s.kl.back()).substr(0, 6).c_str(),
                s.mmd.empty() ? "-" : std::to_string(s.mmd.back()).substr(0, 7).c_str());
    if (!s.loaded.empty()) {
      ImGui::SameLine();
      const std::string name = std::filesystem::path(s.loaded).parent_path().filename().string() + "/" +
                               std::filesystem::path(s.loaded).filename().string();
      ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.0f, 1.0f), "from %s (iteration %lld)", name.c_str(),
                         static_cast<long long>(s.loaded_iteration));
      tip(("Weights opened from " + s.loaded + "; Start trains on from them (Adam restarts), Reset starts afresh").c_str());
    } else if (!s.reproducible) {
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.3f, 1.0f), "settings changed at iteration %lld: an export will not reproduce",
                         static_cast<long long>(s.changed_at));
    }
  }

  void draw_square(const Toy2dSnapshot& s, int panel, float side, float t) {
    static const char* titles[4] = {"target", "learned exp(f), short-run particles", "energy f and grad f", "long-run x_10K"};
    ImGui::TextUnformatted(titles[panel]);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const DisplayImage* img = !gl_ ? nullptr : panel == 0 ? &gl_->target : panel == 2 ? &gl_->energy : &gl_->density;
    if (img && img->valid()) ImGui::Image(img->id(), ImVec2(side, side));
    else ImGui::Dummy(ImVec2(side, side));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(o, ImVec2(o.x + side, o.y + side), true);
    if (panel == 1) draw_particles(dl, s, o, side, t);
    if (panel == 2) draw_arrows(dl, s, o, side);
    if (panel == 3) {
      dl->AddRectFilled(o, ImVec2(o.x + side, o.y + side), IM_COL32(0, 0, 0, 110));
      if (show_short_) draw_points(dl, s.short_xy, s.box, o, side, IM_COL32(90, 170, 255, 230));
      draw_points(dl, s.long_xy, s.box, o, side, IM_COL32(255, 170, 60, 240));
    }
    dl->PopClipRect();
  }

  void draw_bottom(const Toy2dSnapshot& s, ViewContext& ctx, float height) {
    const float avail = ImGui::GetContentRegionAvail().x;
    const float canvas_side = std::min(height - ImGui::GetTextLineHeightWithSpacing() * 2, 240 * ctx.ui_scale);
    const float plot_w = std::max(150.0f, (avail - canvas_side - 24 * ctx.ui_scale) / 2);
    std::vector<PlotSeries> kl(1), mmd(1);
    kl[0].y = s.kl;
    kl[0].color = IM_COL32(255, 170, 60, 255);
    kl[0].thickness = 1.5f;
    kl[0].name = "KL";
    mmd[0].y = s.mmd;
    mmd[0].color = IM_COL32(120, 200, 255, 255);
    mmd[0].thickness = 1.5f;
    mmd[0].name = "MMD";
    PlotSpec spec;
    spec.size = ImVec2(plot_w, height - ImGui::GetTextLineHeightWithSpacing());
    spec.x_count = int(s.kl.size());
    spec.x_label = "x10 it";
    ImGui::BeginGroup();
    spec.title = "KL(target || short-run samples) on a 64x64 grid";
    plot_lines("##toy_kl", spec, kl);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    spec.title = "MMD^2 (short-run samples vs target)";
    spec.log_y = true;
    plot_lines("##toy_mmd", spec, mmd);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    draw_canvas(canvas_side);
    ImGui::EndGroup();
  }

  // The "draw your own" canvas: left button paints, right button erases.
  void draw_canvas(float side) {
    ImGui::TextUnformatted("draw a target");
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##toy_canvas", ImVec2(side, side), ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
    tip("Paint a density (left button paints, right button erases), then press Train on it");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float cell = side / kCanvasSize;
    dl->AddRectFilled(o, ImVec2(o.x + side, o.y + side), IM_COL32(0, 0, 4, 255));
    const std::vector<float>& px = canvas_.pixels();
    for (int r = 0; r < kCanvasSize; ++r)
      for (int c = 0; c < kCanvasSize; ++c) {
        const float v = (px[size_t(r) * kCanvasSize + c] + 1) / 2;
        if (v <= 0.01f) continue;
        const int b = int(255 * v);
        dl->AddRectFilled(ImVec2(o.x + c * cell, o.y + r * cell), ImVec2(o.x + (c + 1) * cell, o.y + (r + 1) * cell),
                          IM_COL32(b, int(b * 0.75f), int(b * 0.3f), 255));
      }
    dl->AddRect(o, ImVec2(o.x + side, o.y + side), IM_COL32(120, 120, 120, 255));
    const bool paint = ImGui::IsItemActive() && (ImGui::IsMouseDown(0) || ImGui::IsMouseDown(1));
    if (paint) {
      Brush b;
      b.radius = 1.6f;
      b.erase = ImGui::IsMouseDown(1);
      if (!canvas_.stroking()) canvas_.begin_stroke();
      const ImVec2 m = ImGui::GetIO().MousePos;
      canvas_.stroke_to((m.x - o.x) / cell, (m.y - o.y) / cell, b);
    } else if (canvas_.stroking()) {
      canvas_.end_stroke();
    }
    if (ImGui::Button("Train on it")) {
      try {
        use_drawing();
      } catch (const Error& e) {
        error_line_ = e.what();
      }
    }
    tip("Make the painted canvas the target (written as a PNG the CLI reads as toy:image:PATH)");
    ImGui::SameLine();
    if (ImGui::Button("Clear")) canvas_.clear();
    tip("Clear the canvas");
    if (!error_line_.empty() && ink() <= 0) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", error_line_.c_str());
  }

  Toy2dRunner runner_;
  Toy2dControls controls_;
  std::shared_ptr<const Toy2dSnapshot> snap_;
  uint64_t uploaded_ = 0, seen_error_ = 0, seen_export_ = 0;
  std::string uploaded_target_, error_line_, pending_open_, remembered_;
  struct Images {
    DisplayImage target, density, energy;  // √-scaled densities and f, through the colormap shader
  };
  std::unique_ptr<Images> gl_ = std::make_unique<Images>();
  Canvas canvas_;
  bool show_short_ = false;
  char export_dir_[512] = {};  // "" : a new folder in the sidebar's export folder
  std::string export_dir(ViewContext& ctx) const {
    return export_dir_[0] ? absolute_folder(export_dir_) : export_path(ctx.export_folder, "toy2d", "");
  }
  Toy2dExportResult export_;
};

}  // namespace

std::unique_ptr<View> make_toy2d_view() { return std::make_unique<Toy2dView>(); }

}  // namespace shortrun::explorer

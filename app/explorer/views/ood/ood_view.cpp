// OOD probe view: load images (files or folders, or the shipped examples in assets/ood), see
// where each image's f(x) falls on histograms of f over a test batch of the data and over the
// model's own samples, and scrub each image's chain (the image as x_0, K steps). The work runs
// as a view job (ood_job.h); exports write the PNG `shortrun score --chains` writes.
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
#include "shortrun/io/model_paths.h"
#include "views/export_report.h"
#include "views/file_kinds.h"
#include "views/ood/ood_job.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/histogram_plot.h"
#include "widgets/layout_util.h"
#include "widgets/view_widgets.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {

const ImU32 kDataColor = IM_COL32(90, 170, 90, 150), kSampleColor = IM_COL32(230, 150, 60, 150);

// A colour per probed image, the same on the histogram and under its picture.
ImU32 image_color(int i) {
  static const ImU32 palette[] = {IM_COL32(100, 180, 255, 255), IM_COL32(255, 110, 110, 255), IM_COL32(240, 220, 90, 255),
                                  IM_COL32(200, 130, 255, 255), IM_COL32(120, 230, 220, 255), IM_COL32(255, 160, 210, 255)};
  return palette[size_t(i) % (sizeof(palette) / sizeof(palette[0]))];
}

class OodView : public View {
 public:
  const char* title() const override { return "OOD probe"; }
  const char* id() const override { return "ood"; }
  bool needs_energy_model() const override { return true; }

  std::vector<std::string> controls() const override {
    return {"ood_images", "ood_data", "ood_n", "ood_step", "ood_selected", "ood_folder"};
  }
  std::vector<std::string> buttons() const override {
    return {"ood_run", "ood_examples", "ood_stop", "ood_export", "ood_browse"};
  }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    if (name == "ood_images") set_field(images_, sizeof(images_), v.get<std::string>());
    else if (name == "ood_data") set_field(data_, sizeof(data_), v.get<std::string>());
    else if (name == "ood_n") reference_n_ = std::clamp(v.get<int>(), 1, 10000);
    else if (name == "ood_step") set_step(v.get<int>());
    else if (name == "ood_selected") selected_ = std::max(0, v.get<int>()), dirty_ = true;
    else if (name == "ood_folder") set_field(folder_, sizeof(folder_), v.get<std::string>());
  }

  void press(ViewContext& ctx, const std::string& button) override {
    if (button == "ood_run") run(ctx);
    else if (button == "ood_examples") examples(ctx);
    else if (button == "ood_stop") stop(ctx);
    else if (button == "ood_export") export_png(ctx);
    else if (button == "ood_browse") browse(ctx);
  }

  bool busy() const override { return probe_.slot->running.load() || export_.running(); }

  // Images and folders of images dropped on this tab are probed at once. A checkpoint, or a
  // folder holding a model, is left to the explorer (it loads the model).
  bool take_drop(ViewContext& ctx, const std::vector<std::string>& paths) override {
    std::string field;
    for (const std::string& p : paths) {
      std::error_code ec;
      if (fs::is_directory(p, ec)) {
        if (holds_model(p)) return false;
      } else if (!is_image_path(p)) {
        return false;
      }
      field += (field.empty() ? "" : ";") + p;
    }
    if (field.empty()) return false;
    set_field(images_, sizeof(images_), field);
    run(ctx);
    return true;
  }

  void model_changed(ViewContext& ctx) override {
    stop(ctx);  // a probe of the old model must not publish over the new one (the slot drops it)
    probe_.clear(shown_);
    dirty_ = true;
  }

  void release_gl() override {
    row_ = std::make_unique<DisplayImage>();
    strip_ = std::make_unique<DisplayImage>();
  }

  void update(ViewContext& ctx) override {
    if (probe_.changed()) {
      if (probe_.take(shown_, error_)) {
        frame_ = shown_ ? int(shown_->frames.size()) - 1 : 0;
        selected_ = shown_ ? std::min(selected_, shown_->shape.n - 1) : 0;
        if (shown_)
          ctx.status("OOD probe: " + std::to_string(shown_->shape.n) + " image(s) scored in " + seconds_text(shown_->seconds) +
                     (shown_->skipped.empty() ? "" : "; " + std::to_string(shown_->skipped.size()) + " input(s) skipped (listed in the tab)"));
      }
      dirty_ = true;
    }
    export_.update(ctx);
    if (dirty_ && shown_ && !shown_->frames.empty()) upload(ctx);
  }

  void draw(ViewContext& ctx) override {
    draw_inputs(ctx);
    ImGui::Separator();
    if (!shown_) {
      ImGui::TextDisabled("drop images or folders on this tab, or give their paths (or the shipped examples), to score them against the data and the model's samples");
      draw_note();
      return;
    }
    draw_histogram();
    draw_images(ctx);
    draw_chain_strip(ctx);
    draw_note();
    draw_export(ctx);
  }

  nlohmann::json state() const override {
    nlohmann::json j = {{"running", probe_.slot->running.load()},
                        {"progress", {probe_.slot->done.load(), probe_.slot->total.load()}},
                        {"error", error_},
                        {"images_field", images_},
                        {"reference_n", reference_n_}};
    export_.add_state(j);
    if (shown_) {
      const OodResult& r = *shown_;
      j["images"] = r.names;
      j["notes"] = r.notes;
      j["skipped"] = r.skipped;
      j["energy"] = r.energy;
      j["percentile_data"] = r.percentile_data;
      j["percentile_samples"] = r.percentile_samples;
      j["chain_energy"] = r.chain_energy;
      j["data_energy_count"] = r.data_energy.size();
      j["sample_energy_count"] = r.sample_energy.size();
      j["frame_steps"] = r.frame_steps;
      j["step"] = r.frame_steps.empty() ? 0 : r.frame_steps[size_t(frame_)];
      j["selected"] = selected_;
      j["seconds"] = r.seconds;
      j["settings"] = r.settings;
      j["reused_samples"] = r.reused_samples;
    }
    return j;
  }

 private:

  static bool holds_model(const std::string& dir) {
    try {
      resolve_model_path(dir);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  void set_step(int step) {
    if (!shown_) return;
    int f = 0;
    for (size_t i = 0; i < shown_->frame_steps.size(); ++i)
      if (shown_->frame_steps[i] <= step) f = int(i);
    frame_ = f;
    dirty_ = true;
  }

  // The ';'-separated entries of the images field, made absolute; one that does not exist goes to
  // `skipped` with its reason (the others are still scored). "" unless nothing is left.
  std::string image_args(std::vector<std::string>& out, std::vector<std::string>& skipped) const {
    std::string field = images_;
    size_t start = 0;
    while (start <= field.size()) {
      size_t end = field.find(';', start);
      if (end == std::string::npos) end = field.size();
      std::string part = field.substr(start, end - start);
      part.erase(0, part.find_first_not_of(" \t"));
      part.erase(part.find_last_not_of(" \t") + 1);
      if (!part.empty()) {
        std::error_code ec;
        if (!fs::exists(part, ec))
          skipped.push_back(part + ": no such file or folder (expected a PNG, JPEG or NPY image, or a folder of them)");
        else
          out.push_back(fs::absolute(part, ec).lexically_normal().string());
      }
      start = end + 1;
    }
    if (out.empty() && !skipped.empty()) return "OOD probe: nothing to score: " + skipped.front();
    if (out.empty()) return "OOD probe: no images given (a path, a folder, or several separated by ';')";
    return "";
  }

  void run(ViewContext& ctx) {
    if (!ctx.session.pub.model) {
      error_ = "OOD probe: load a model first";
      ctx.error(error_);
      return;
    }
    OodRequest req;
    const std::string bad = image_args(req.images, req.skipped);
    if (!bad.empty()) {
      error_ = bad;
      ctx.error(bad);
      return;
    }
    req.model_path = ctx.session.pub.model->path;
    req.data = data_;
    req.sampler = ctx.session.sampler;
    req.reference_n = reference_n_;
    error_.clear();
    // Priced first: each image's chain and the model's reference samples run K steps each.
    const double images = double(count_images(req.images));
    const double secs = ctx.session.costs.seconds(WorkKind::kChainStep, (images + req.reference_n) * std::max(1, req.sampler.steps));
    const std::string what = "OOD probe: about " + std::to_string(int64_t(images)) + " image(s) and " +
                             std::to_string(req.reference_n) + " model samples, K = " + std::to_string(req.sampler.steps);
    Session* session = &ctx.session;
    ctx.session.run_or_ask(what, secs, [this, req, session] { job_ = post_ood_probe(*session->view_jobs, req, probe_.slot); });
  }

  // Images the inputs name, counted from file names only (a folder's image files; an NPY counts one).
  static size_t count_images(const std::vector<std::string>& args) {
    size_t n = 0;
    for (const std::string& a : args) {
      std::error_code ec;
      if (!fs::is_directory(a, ec)) {
        ++n;
        continue;
      }
      for (fs::directory_iterator it(a, ec), end; !ec && it != end && n < 100000; it.increment(ec))
        if (is_image_path(it->path().string())) ++n;
    }
    return n;
  }

  // The file chooser adds the picked image or folder to the field (Score runs them all).
  void browse(ViewContext& ctx) {
    std::string last = images_;
    if (const size_t semi = last.rfind(';'); semi != std::string::npos) last = last.substr(semi + 1);
    ctx.browse_images("Add an image or a folder to the OOD probe", last, [this](const std::string& path) {
      std::string field = images_;
      while (!field.empty() && (field.back() == ';' || field.back() == ' ')) field.pop_back();
      set_field(images_, sizeof(images_), field.empty() ? path : field + ";" + path);
    });
  }

  void examples(ViewContext& ctx) {
    const std::string dir = find_asset("ood");
    if (dir.empty()) {
      error_ = "assets/ood: the shipped examples were not found next to the executable or in the source tree";
      ctx.error(error_);
      return;
    }
    set_field(images_, sizeof(images_), dir);
    run(ctx);
  }

  void stop(ViewContext& ctx) {
    if (job_) ctx.session.view_jobs->cancel(job_);
  }

  void export_png(ViewContext& ctx) {
    if (!shown_) {
      export_.refuse(ctx, "nothing to export yet: run the probe first");
      return;
    }
    try {
      const std::string png = export_path(ctx.folder_for(folder_), "ood", ".png");
      post_ood_export(*ctx.session.view_jobs, shown_, png, export_.slot());
    } catch (const std::exception& e) {
      export_.failed(ctx, e.what());
    }
  }

  // The images at the current frame in one row texture, and the selected image across frames.
  void upload(ViewContext& ctx) {
    const OodResult& r = *shown_;
    const ImageShape s = r.shape;
    frame_ = std::clamp(frame_, 0, int(r.frames.size()) - 1);
    selected_ = std::clamp(selected_, 0, s.n - 1);
    // The first kMaxShown images, kRowCols to a texture row (a texture has a maximum width).
    const int shown = std::min(s.n, kMaxShown);
    std::vector<int> picks(static_cast<size_t>(shown));
    for (int i = 0; i < shown; ++i) picks[size_t(i)] = i;
    row_layout_ = grid_layout(shown, kRowCols, s.w, s.h, 2);
    const std::vector<float> row = compose_grid(r.frames[size_t(frame_)], s, picks, row_layout_, 1.0f);
    row_->ensure(row_layout_.width, row_layout_.height, s.c);
    row_->upload(ctx.uploader, {Tile{0, 0, row_layout_.width, row_layout_.height, s.c, row.data()}});
    row_->render(ctx.colormap, DisplayParams{});
    // At most kStripCells frames, evenly spaced, the first and last included.
    strip_frames_.clear();
    const int t = int(r.frames.size());
    const int cells = std::min(t, kStripCells);
    for (int i = 0; i < cells; ++i) strip_frames_.push_back(cells == 1 ? 0 : int(std::lround(double(i) * (t - 1) / (cells - 1))));
    std::vector<const std::vector<float>*> batches;
    for (int f : strip_frames_) batches.push_back(&r.frames[size_t(f)]);
    strip_layout_ = grid_layout(cells, cells, s.w, s.h, 2);
    const std::vector<float> strip = compose_strip(batches, s, selected_, strip_layout_, 1.0f);
    strip_->ensure(strip_layout_.width, strip_layout_.height, s.c);
    strip_->upload(ctx.uploader, {Tile{0, 0, strip_layout_.width, strip_layout_.height, s.c, strip.data()}});
    strip_->render(ctx.colormap, DisplayParams{});
    dirty_ = false;
  }

  void draw_inputs(ViewContext& ctx) {
    const float run_w = button_width("Browse...") + button_width("Score") + button_width("Shipped examples") +
                        button_width("Stop") + 5 * ImGui::GetStyle().ItemSpacing.x;
    ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x - run_w));
    const bool enter = ImGui::InputTextWithHint("##ood_images", "image files or folders (PNG, JPEG, NPY), several separated by ';', or drop them here",
                                                images_, sizeof(images_), ImGuiInputTextFlags_EnterReturnsTrue);
    tip("images to score: files or folders of PNG/JPEG/NPY; each is converted to the model's shape as shortrun score does");
    // The buttons follow the field while they fit, and wrap to the next line in a narrow window.
    same_line_if_fits(button_width("Browse..."));
    if (ImGui::Button("Browse...")) browse(ctx);
    tip("pick an image or a folder with the file chooser: it is added to the list (Score probes them all)");
    same_line_if_fits(button_width("Score"));
    const bool running = probe_.slot->running.load();
    if (ImGui::Button("Score") || enter) run(ctx);
    tip("score the images: f(x), its percentile among f over the data and over the model's samples, and each image's chain");
    same_line_if_fits(button_width("Shipped examples"));
    if (ImGui::Button("Shipped examples")) examples(ctx);
    tip("load assets/ood: uniform noise, a constant image, a flipped Fashion-MNIST image and a drawn digit");
    same_line_if_fits(button_width("Stop"));
    {
      DisabledWhy off(!running, "no probe is running");
      if (ImGui::Button("Stop")) stop(ctx);
      tip("stop the probe (between two Langevin steps)");
    }

    ImGui::SetNextItemWidth(160);
    ImGui::InputText("data", data_, sizeof(data_));
    tip("the data reference: fashion-mnist | idx:PATH | cifar10:DIR | folder:DIR (its test split), as shortrun score --data");
    same_line_if_fits(labelled_width("references", 120));
    ImGui::SetNextItemWidth(120);
    ImGui::InputInt("references", &reference_n_, 32, 128);
    reference_n_ = std::clamp(reference_n_, 1, 10000);
    tip("data images and model samples on the histograms (shortrun score --n)");
    const SamplerSettings& sm = ctx.session.sampler;
    same_line_if_fits(300);
    ImGui::TextDisabled("chains: K=%d, step %.3g, noise %.3g, seed %d (sidebar)", sm.steps, sm.step_size, sm.noise_std, sm.seed);
    if (running) {
      const int64_t done = probe_.slot->done.load(), total = probe_.slot->total.load();
      const float frac = total > 0 ? float(double(done) / double(total)) : 0.0f;
      char buf[96];
      std::snprintf(buf, sizeof(buf), "scoring... %lld / %lld chain-steps", static_cast<long long>(done), static_cast<long long>(total));
      ImGui::ProgressBar(frac, ImVec2(-1, 0), buf);
    }
    job_outcome(error_, shown_ != nullptr);
    if (shown_ && !shown_->skipped.empty()) {
      // Inputs that could not be scored, each with its reason; the others were.
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
      const std::string head = "skipped " + std::to_string(shown_->skipped.size()) + " input(s):";
      if (ImGui::TreeNode("ood_skipped", "%s", head.c_str())) {
        for (const std::string& s : shown_->skipped) ImGui::BulletText("%s", s.c_str());
        ImGui::TreePop();
      }
      ImGui::PopStyleColor();
    }
  }

  void draw_histogram() {
    const OodResult& r = *shown_;
    std::vector<HistMarker> markers;
    for (int i = 0; i < r.shape.n; ++i)
      markers.push_back({r.energy[size_t(i)], image_color(i), i < kMaxShown ? "#" + std::to_string(i + 1) : "", i == selected_});
    char data_name[96], sample_name[96];
    std::snprintf(data_name, sizeof(data_name), "data: %zu test images", r.data_energy.size());
    std::snprintf(sample_name, sizeof(sample_name), "model samples: %zu (K=%d)%s", r.sample_energy.size(), r.request.sampler.steps,
                  r.reused_samples ? ", from the previous probe" : "");
    const int picked = histogram_plot("ood_hist", ImVec2(0, 170),
                                      {{r.data_energy, kDataColor, data_name}, {r.sample_energy, kSampleColor, sample_name}},
                                      markers, 48, "x axis: f(x), higher = more likely under the model");
    tip("f over the data batch (green) and over the model's samples (orange), each scaled to its peak; lines: the probed images");
    if (picked >= 0) selected_ = picked, dirty_ = true;
  }

  void draw_images(ViewContext& ctx) {
    const OodResult& r = *shown_;
    const ImageShape s = r.shape;
    if (!row_->valid()) return;
    const int step = r.frame_steps[size_t(frame_)];
    ImGui::SetNextItemWidth(std::min(420.0f, ImGui::GetContentRegionAvail().x - 120));
    int f = frame_;
    char fmt[48];
    std::snprintf(fmt, sizeof(fmt), "step %d of %d", step, r.frame_steps.back());
    if (ImGui::SliderInt("chain step", &f, 0, int(r.frames.size()) - 1, fmt)) frame_ = f, dirty_ = true;
    tip("scrub every image's chain: step 0 is the image itself (x_0), the last step is x_K");
    const float cell_px = std::floor(std::clamp((ImGui::GetContentRegionAvail().x - 8) / float(std::max(1, s.n)) - 12, 40.0f, 112.0f));
    const float pitch = cell_px + 12;
    const float x0 = ImGui::GetCursorPosX();
    const int shown = std::min(s.n, kMaxShown);
    if (shown < s.n)
      ImGui::TextDisabled("showing the first %d of %d images (all of them are on the histogram and in the export)", shown, s.n);
    for (int i = 0; i < shown; ++i) {
      if (i > 0) {
        if (ImGui::GetItemRectMax().x + pitch > ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) ImGui::NewLine();
        else ImGui::SameLine(0, 12);
      }
      if (ImGui::GetCursorPosX() < x0) ImGui::SetCursorPosX(x0);
      ImGui::BeginGroup();
      const int col = i % row_layout_.cols, row = i / row_layout_.cols;
      const float u0 = float(row_layout_.pad + col * (s.w + row_layout_.pad)) / float(row_layout_.width);
      const float u1 = u0 + float(s.w) / float(row_layout_.width);
      const float v0 = float(row_layout_.pad + row * (s.h + row_layout_.pad)) / float(row_layout_.height);
      const float v1 = v0 + float(s.h) / float(row_layout_.height);
      const ImVec2 at = ImGui::GetCursorScreenPos();
      ImGui::Image(row_->id(), ImVec2(cell_px, cell_px), ImVec2(u0, v0), ImVec2(u1, v1));
      if (ImGui::IsItemClicked()) selected_ = i, dirty_ = true;
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", r.names[size_t(i)].c_str());
      ImGui::GetWindowDrawList()->AddRect(at, ImVec2(at.x + cell_px, at.y + cell_px), image_color(i), 0, 0, i == selected_ ? 3.0f : 1.0f);
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(image_color(i)));
      // The file name, cut to the cell's width.
      const size_t fits = size_t(std::max(4.0f, (cell_px + 10) / ImGui::CalcTextSize("x").x) - 3);
      ImGui::Text("#%d %s", i + 1, fs::path(r.names[size_t(i)]).filename().string().substr(0, fits).c_str());
      ImGui::PopStyleColor();
      ImGui::Text("f %.4g", r.energy[size_t(i)]);
      ImGui::Text("data %.0f%%", r.percentile_data[size_t(i)]);
      ImGui::Text("samples %.0f%%", r.percentile_samples[size_t(i)]);
      ImGui::Text("f(x_K) %.4g", r.chain_energy[size_t(i)]);
      ImGui::EndGroup();
      tip("f(x) of the image; its percentile among f over the data and over the model's samples (higher f: more likely); "
          "f at the end of its chain. Click to select");
    }
    (void)ctx;
  }

  void draw_chain_strip(ViewContext& ctx) {
    const OodResult& r = *shown_;
    if (!strip_->valid() || strip_frames_.empty()) return;
    ImGui::Spacing();
    ImGui::Text("chain of #%d (%s): the image as x_0, then K=%d Langevin steps", selected_ + 1,
                fs::path(r.names[size_t(selected_)]).filename().string().c_str(), r.request.sampler.steps);
    const ImageShape s = r.shape;
    const int cells = int(strip_frames_.size());
    const float cell_px = std::floor(std::clamp((ImGui::GetContentRegionAvail().x - 8) / float(cells) - 6, 24.0f, 80.0f));
    for (int i = 0; i < cells; ++i) {
      if (i > 0) ImGui::SameLine(0, 6);
      ImGui::BeginGroup();
      const float u0 = float(strip_layout_.pad + i * (s.w + strip_layout_.pad)) / float(strip_layout_.width);
      const float u1 = u0 + float(s.w) / float(strip_layout_.width);
      const float v0 = float(strip_layout_.pad) / float(strip_layout_.height), v1 = v0 + float(s.h) / float(strip_layout_.height);
      const ImVec2 at = ImGui::GetCursorScreenPos();
      ImGui::Image(strip_->id(), ImVec2(cell_px, cell_px), ImVec2(u0, v0), ImVec2(u1, v1));
      if (ImGui::IsItemClicked()) frame_ = strip_frames_[size_t(i)], dirty_ = true;
      if (strip_frames_[size_t(i)] == frame_)
        ImGui::GetWindowDrawList()->AddRect(at, ImVec2(at.x + cell_px, at.y + cell_px), IM_COL32(255, 220, 80, 255), 0, 0, 2.0f);
      ImGui::TextDisabled("k=%d", r.frame_steps[size_t(strip_frames_[size_t(i)])]);
      ImGui::EndGroup();
      tip("the selected image's chain at this step; click to scrub every image to it");
    }
    (void)ctx;
  }

  void draw_note() {
    ImGui::Spacing();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled(
        "Note: a high f is not evidence that an input is in-distribution. Likelihood models of images can give "
        "out-of-distribution inputs higher likelihood than their own data (Nalisnick et al. 2019, \"Do deep generative "
        "models know what they don't know?\", for flows, VAEs and PixelCNNs). EBM energies used as OOD scores (Du & "
        "Mordatch 2019; Grathwohl et al. 2020) separate some OOD sets well and others poorly; the histograms show where "
        "this model puts each input.");
    ImGui::PopTextWrapPos();
  }

  void draw_export(ViewContext& ctx) {
    if (export_row("##ood_folder", folder_, sizeof(folder_), export_.running(),
                   "the images on top and x_K of their chains under them, as shortrun score --chains writes it, with "
                   "a .json of the settings and scores and the command that reproduces the PNG", ctx.export_folder))
      export_png(ctx);
    export_outcome(export_.error(), export_.outcome().line, export_.outcome().command);
  }

  static constexpr int kStripCells = 11;
  static constexpr int kMaxShown = 64, kRowCols = 16;
  char images_[2048] = "";
  char data_[256] = "fashion-mnist";
  char folder_[512] = "";  // empty: the sidebar's export folder
  int reference_n_ = 64;  // the model samples cost n x K chain-steps per probe: kept small for interactivity
  SlotWatch<OodResult> probe_;
  ExportReport export_;
  std::shared_ptr<const OodResult> shown_;
  uint64_t job_ = 0;
  std::string error_;
  int frame_ = 0, selected_ = 0;
  bool dirty_ = true;
  std::unique_ptr<DisplayImage> row_ = std::make_unique<DisplayImage>(), strip_ = std::make_unique<DisplayImage>();
  GridLayout row_layout_, strip_layout_;
  std::vector<int> strip_frames_;
};

}  // namespace

std::unique_ptr<View> make_ood_view() { return std::make_unique<OodView>(); }

}  // namespace shortrun::explorer

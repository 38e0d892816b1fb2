// The generator comparison panel of the A/B compare tab (generator_compare_ui.h).
#include "views/compare/generator_compare_ui.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "shortrun/base/error.h"
#include "shortrun/io/model_paths.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_record.h"
#include "widgets/layout_util.h"
#include "widgets/view_widgets.h"
#include "worker/jobs_text.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {

const char* const kMasks[] = {"none", "center", "left", "random:0.5"};

std::string kind_label(const std::string& kind) {
  return kind == "ebm" ? "short-run EBM" : kind == "vae" ? "VAE" : kind == "gan" ? "GAN" : kind;
}

std::string trimmed(const char* s) {
  std::string t = s;
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  return t;
}

// n images (NHWC) side by side in one texture.
void upload_strip(ViewContext& ctx, DisplayImage& img, const std::vector<float>& images, const ImageShape& s, int n) {
  img.ensure(s.w * n, s.h, s.c);
  std::vector<Tile> tiles;
  for (int i = 0; i < n; ++i) tiles.push_back(Tile{i * s.w, 0, s.w, s.h, s.c, images.data() + size_t(i) * s.image_floats()});
  img.upload(ctx.uploader, tiles);
  img.render(ctx.colormap, DisplayParams{});
}

}  // namespace

std::vector<std::string> GeneratorComparePanel::controls() {
  return {"gc_model_c", "gc_data", "gc_image", "gc_mask", "gc_iters", "gc_lr", "gc_seed_a", "gc_index_a",
          "gc_seed_b", "gc_index_b", "gc_path", "gc_points"};
}

std::vector<std::string> GeneratorComparePanel::buttons() { return {"gc_run", "gc_stop", "gc_bundled"}; }

void GeneratorComparePanel::set_control(ViewContext&, const std::string& name, const nlohmann::json& v) {
  if (name == "gc_model_c") set_field(model_c_, sizeof(model_c_), v.get<std::string>());
  else if (name == "gc_data") set_field(data_, sizeof(data_), v.get<std::string>());
  else if (name == "gc_image") image_ = std::clamp(v.get<int>(), 0, 1 << 20);
  else if (name == "gc_mask") {
    const std::string m = v.get<std::string>();
    const auto it = std::find(std::begin(kMasks), std::end(kMasks), m);
    if (it == std::end(kMasks)) throw Error("gc_mask must be none, center, left or random:0.5");
    mask_ = int(it - std::begin(kMasks));
  } else if (name == "gc_iters") iters_ = std::clamp(v.get<int>(), 1, 5000);
  else if (name == "gc_lr") lr_ = std::clamp(v.get<float>(), 1e-5f, 1.0f);
  else if (name == "gc_seed_a") seed_a_ = v.get<int>();
  else if (name == "gc_index_a") index_a_ = std::clamp(v.get<int>(), 0, 1 << 20);
  else if (name == "gc_seed_b") seed_b_ = v.get<int>();
  else if (name == "gc_index_b") index_b_ = std::clamp(v.get<int>(), 0, 1 << 20);
  else if (name == "gc_path") {
    const std::string p = v.get<std::string>();
    if (p != "linear" && p != "spherical") throw Error("gc_path must be linear or spherical");
    path_ = p == "linear" ? 0 : 1;
  } else if (name == "gc_points") points_ = std::clamp(v.get<int>(), 2, 32);
}

void GeneratorComparePanel::press(ViewContext& ctx, const std::string& button, const std::string& mode) {
  if (button == "gc_run") run(ctx, mode);
  else if (button == "gc_stop") stop(ctx);
  else if (button == "gc_bundled") use_bundled(ctx);
}

void GeneratorComparePanel::use_bundled(ViewContext& ctx) {
  try {
    const std::vector<std::string> paths = bundled_comparison_models();  // EBM, VAE, GAN
    set_field(model_b_, model_b_cap_, paths[1]);
    set_field(model_c_, sizeof(model_c_), paths[2]);
    ctx.status("B: the bundled VAE, C: the bundled GAN (Fashion-MNIST, n_f = 16; assets/README.md says how they were made)");
  } catch (const Error& e) {
    error_ = e.what();
    ctx.error(error_);
  }
}

void GeneratorComparePanel::model_changed(ViewContext& ctx) {
  stop(ctx);
  probe_.clear(shown_);
  error_.clear();
}

void GeneratorComparePanel::release_gl() { tex_ = std::make_unique<Textures>(); }

void GeneratorComparePanel::update(ViewContext& ctx) {
  if (probe_.changed() && probe_.take(shown_, error_) && shown_) {
    dirty_ = true;
    ctx.status("compared " + count_of(int(shown_->rows.size()), "model") + " in " + seconds_text(shown_->seconds));
  }
  if (dirty_ && shown_) upload(ctx);
}

void GeneratorComparePanel::upload(ViewContext& ctx) {
  const GenCompareResult& r = *shown_;
  const ImageShape& s = r.shape;
  if (!r.observed.empty()) upload_strip(ctx, tex_->observed, r.observed, s, 1);
  tex_->rows.clear();
  for (const GenCompareRow& row : r.rows) {
    tex_->rows.push_back(std::make_unique<DisplayImage>());
    upload_strip(ctx, *tex_->rows.back(), row.images, s, s.n);
  }
  dirty_ = false;
}

void GeneratorComparePanel::stop(ViewContext& ctx) {
  if (job_) ctx.session.view_jobs->cancel(job_);
}

void GeneratorComparePanel::run(ViewContext& ctx, const std::string& mode) {
  const ModelInfo* a = ctx.session.pub.model.get();
  if (!a) {
    error_ = "compare: load a model first (it is model A)";
    ctx.error(error_);
    return;
  }
  GenCompareRequest req;
  req.mode = mode;
  req.models.push_back(a->path);
  for (const char* field : {static_cast<const char*>(model_b_), static_cast<const char*>(model_c_)}) {
    const std::string p = trimmed(field);
    if (p.empty()) continue;
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      error_ = p + ": no such file or folder (expected a model: an EBM, VAE or GAN checkpoint or its run directory)";
      ctx.error(error_);
      return;
    }
    req.models.push_back(fs::absolute(p, ec).lexically_normal().string());  // a run directory is resolved by the job
  }
  req.sampler_a = ctx.session.sampler;
  req.data = trimmed(data_);
  req.image_index = image_;
  req.mask = kMasks[mask_];
  req.iters = iters_;
  req.lr = lr_;
  req.seed_a = seed_a_, req.index_a = index_a_, req.seed_b = seed_b_, req.index_b = index_b_;
  req.path = path_ == 0 ? "linear" : "spherical";
  req.points = points_;
  error_.clear();
  // Priced as the Reconstruct tab prices one model's reconstruction, per model: K chain-steps an
  // iteration when the loaded model is an EBM, one (a decoder pass) when it is a VAE or GAN.
  const double k = a->is_ebm() ? std::max(1, req.sampler_a.steps) : 1;
  const double per = (mode == "reconstruct" ? double(iters_) : double(points_)) * k;
  const double secs = ctx.session.costs.seconds(mode == "reconstruct" ? WorkKind::kReconStep : WorkKind::kChainStep,
                                                per * double(req.models.size()));
  const std::string what = (mode == "reconstruct" ? "Compare reconstructions: " : "Compare interpolations: ") +
                           count_of(int(req.models.size()), "model");
  Session* session = &ctx.session;
  session->run_or_ask(what, secs, [this, req, session] { job_ = post_generator_compare(*session->view_jobs, req, probe_.slot); });
}

void GeneratorComparePanel::draw(ViewContext& ctx, const std::string& mode) {
  draw_settings(ctx, mode);
  ImGui::Separator();
  if (!shown_) {
    ImGui::TextDisabled(mode == "reconstruct" ? "press Compare: every model reconstructs the same test image"
                                              : "press Compare: every model interpolates between the same two latents");
    return;
  }
  if (shown_->request.mode == "reconstruct") draw_reconstructions(ctx);
  else draw_strips(ctx);
}

void GeneratorComparePanel::draw_settings(ViewContext& ctx, const std::string& mode) {
  const ModelInfo* a = ctx.session.pub.model.get();
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("A: %s (%s, the loaded model%s); B: the model B field above; C: below. Any kind: energy model, VAE or GAN.",
                      a ? fs::path(a->path).filename().string().c_str() : "no model", a ? a->kind_name.c_str() : "-",
                      a && a->is_ebm() ? ", the sidebar's sampler" : "");
  ImGui::PopTextWrapPos();
  ImGui::TextUnformatted("C");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x * 0.45f));
  ImGui::InputTextWithHint("##gc_model_c", "model C: a path (optional)", model_c_, sizeof(model_c_));
  tip("a third model (.safetensors or a run directory) of the same image shape, of any kind");
  ImGui::SameLine();
  {
    static const bool have_bundled = !find_asset("fmnist_vae.safetensors").empty() && !find_asset("fmnist_gan.safetensors").empty();
    DisabledWhy off(!have_bundled, "the bundled VAE and GAN (assets/fmnist_vae.safetensors, fmnist_gan.safetensors) were not found");
    if (ImGui::Button("Bundled VAE + GAN##gc")) use_bundled(ctx);
    tip("B := the bundled VAE, C := the bundled GAN (Fashion-MNIST): with the bundled EBM loaded as A, the paper's comparison");
  }
  ImGui::PushItemWidth(110);
  if (mode == "reconstruct") {
    ImGui::SetNextItemWidth(200);
    ImGui::InputText("data", data_, sizeof(data_));
    tip("test images: fashion-mnist | idx:PATH | cifar10:DIR (the test split)");
    same_line_if_fits(labelled_width("test image", 110));
    ImGui::InputInt("test image", &image_);
    image_ = std::max(0, image_);
    tip("which test image every model reconstructs");
    same_line_if_fits(labelled_width("mask", 110));
    ImGui::Combo("mask", &mask_, "none\0center\0left\0random:0.5\0");
    tip("pixels hidden while fitting (as compare-models --mask); MSE is shown over the visible pixels and over all");
    same_line_if_fits(labelled_width("iterations", 110));
    ImGui::InputInt("iterations", &iters_, 0, 0);
    iters_ = std::clamp(iters_, 1, 5000);
    tip("Adam steps on z for the EBM and the GAN (and a masked VAE); an unmasked VAE uses its encoder alone, as compare-models");
    same_line_if_fits(labelled_width("lr##gc", 110));
    ImGui::InputFloat("lr##gc", &lr_, 0, 0, "%.3g");
    lr_ = std::clamp(lr_, 1e-5f, 1.0f);
    tip("Adam's rate on z");
  } else {
    ImGui::InputInt("seed A##gc", &seed_a_, 0, 0);
    tip("endpoint A: latent (seed, index): an EBM's chain `index` (z_0 and u_k), a VAE's or GAN's z_index ~ N(0, I)");
    same_line_if_fits(labelled_width("index A##gc", 110));
    ImGui::InputInt("index A##gc", &index_a_, 0, 0);
    index_a_ = std::max(0, index_a_);
    same_line_if_fits(labelled_width("seed B##gc", 110));
    ImGui::InputInt("seed B##gc", &seed_b_, 0, 0);
    same_line_if_fits(labelled_width("index B##gc", 110));
    ImGui::InputInt("index B##gc", &index_b_, 0, 0);
    index_b_ = std::max(0, index_b_);
    same_line_if_fits(labelled_width("path##gc", 110));
    ImGui::Combo("path##gc", &path_, "linear\0spherical\0");
    tip("linear: (1-rho) z1 + rho z2; spherical: sqrt(1-rho^2) z1 + rho z2 (for every kind; an EBM's u_k are mixed the same way)");
    same_line_if_fits(labelled_width("points##gc", 110));
    ImGui::SliderInt("points##gc", &points_, 2, 16);
  }
  ImGui::PopItemWidth();
  const bool running = probe_.slot->running.load();
  if (ImGui::Button("Compare##gc")) run(ctx, mode);
  tip(mode == "reconstruct" ? "every model reconstructs the same test image" : "every model interpolates between the same latents");
  ImGui::SameLine();
  {
    DisabledWhy off(!running, "no comparison is running");
    if (ImGui::Button("Stop##gc")) stop(ctx);
    tip("stop within one iteration");
  }
  if (running)
    progress_line("comparing", probe_.slot->done.load(), probe_.slot->total.load(), mode == "reconstruct" ? "iterations" : "models");
  job_outcome(error_, shown_ != nullptr);
}

void GeneratorComparePanel::draw_reconstructions(ViewContext& ctx) {
  const GenCompareResult& r = *shown_;
  const ImageShape& s = r.shape;
  const int columns = 1 + int(r.rows.size());
  const float gap = 16;
  const float tile = std::floor(std::min((ImGui::GetContentRegionAvail().x - gap * columns) / columns, 8.0f * s.w) / s.w) * s.w;
  ImGui::BeginGroup();
  ImGui::Text("test image %d (%s)", r.request.image_index, r.request.mask.c_str());
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::Image(tex_->observed.id(), ImVec2(tile, tile));
  const float scale = tile / float(s.w);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int y = 0; y < s.h; ++y)
    for (int x = 0; x < s.w; ++x)
      if (r.mask[size_t(y) * s.w + x] < 0.5f)
        dl->AddRectFilled(ImVec2(origin.x + x * scale, origin.y + y * scale), ImVec2(origin.x + (x + 1) * scale, origin.y + (y + 1) * scale),
                          IM_COL32(220, 40, 40, 110));
  tip("the observed image every model was given; red-tinted pixels were hidden from the fit");
  ImGui::TextDisabled("observed");
  ImGui::EndGroup();
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const GenCompareRow& row = r.rows[i];
    ImGui::SameLine(0, gap);
    ImGui::BeginGroup();
    ImGui::Text("%c: %s", char('A' + i), kind_label(row.kind).c_str());
    if (i < tex_->rows.size()) ImGui::Image(tex_->rows[i]->id(), ImVec2(tile, tile));
    tip((row.summary + "\n" + row.path + "\nby " + row.method).c_str());
    ImGui::Text("MSE %.4f", row.mse_full);
    tip("mean squared error over all pixels against the original test image (compare-models' measure)");
    if (r.request.mask != "none") ImGui::TextDisabled("visible %.4f", row.mse_visible);
    ImGui::TextDisabled("%s", seconds_text(row.seconds).c_str());
    ImGui::EndGroup();
  }
  ImGui::PushTextWrapPos(0.0f);
  for (size_t i = 0; i < r.rows.size(); ++i)
    ImGui::TextDisabled("%c: %s: %s", char('A' + i), fs::path(r.rows[i].path).filename().string().c_str(), r.rows[i].method.c_str());
  ImGui::PopTextWrapPos();
}

void GeneratorComparePanel::draw_strips(ViewContext& ctx) {
  const GenCompareResult& r = *shown_;
  const ImageShape& s = r.shape;
  const float label_w = 130;
  const float tile = std::floor(std::min((ImGui::GetContentRegionAvail().x - label_w - 8) / float(std::max(1, s.n)), 6.0f * s.w));
  ImGui::Text("from latent (seed %d, index %d) to (seed %d, index %d), %s path, rho 0..1 in %d points", r.request.seed_a,
              r.request.index_a, r.request.seed_b, r.request.index_b, r.request.path.c_str(), s.n);
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const GenCompareRow& row = r.rows[i];
    ImGui::BeginGroup();
    ImGui::Text("%c: %s", char('A' + i), kind_label(row.kind).c_str());
    ImGui::TextDisabled("%s", fs::path(row.path).filename().string().c_str());
    ImGui::TextDisabled("%s", seconds_text(row.seconds).c_str());
    ImGui::EndGroup();
    ImGui::SameLine(label_w);
    if (i < tex_->rows.size()) ImGui::Image(tex_->rows[i]->id(), ImVec2(tile * float(s.n), tile));
    tip((row.summary + "\n" + row.method).c_str());
  }
}

nlohmann::json GeneratorComparePanel::state() const {
  nlohmann::json j = {{"running", probe_.slot->running.load()},
                      {"progress", {probe_.slot->done.load(), probe_.slot->total.load()}},
                      {"error", error_},
                      {"model_c", model_c_},
                      {"data", data_},
                      {"image", image_},
                      {"mask", kMasks[mask_]},
                      {"iters", iters_},
                      {"seed_a", seed_a_}, {"index_a", index_a_}, {"seed_b", seed_b_}, {"index_b", index_b_},
                      {"path", path_ == 0 ? "linear" : "spherical"},
                      {"points", points_}};
  if (shown_) {
    const GenCompareResult& r = *shown_;
    nlohmann::json rows = nlohmann::json::array();
    for (const GenCompareRow& row : r.rows) {
      nlohmann::json o = {{"path", row.path}, {"kind", row.kind}, {"method", row.method}, {"seconds", row.seconds}, {"images", int(row.images.size() / std::max<size_t>(1, r.shape.image_floats()))}};
      if (r.request.mode == "reconstruct") o["mse"] = row.mse_full, o["mse_visible"] = row.mse_visible;
      rows.push_back(o);
    }
    j["result"] = {{"mode", r.request.mode}, {"rows", rows}, {"seconds", r.seconds}, {"rho", r.rho}};
  }
  return j;
}

}  // namespace shortrun::explorer

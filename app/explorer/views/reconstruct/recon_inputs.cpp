// Reconstruct's inputs: image loads, mask presets, model switches and the image field's check.
#include "views/reconstruct/recon_inputs.h"

#include <cstdio>
#include <filesystem>

#include "views/file_kinds.h"
#include "views/reconstruct/mask_presets.h"
#include "worker/worker.h"

namespace shortrun::explorer {

void apply_loaded_image(ViewContext& ctx, ReconTab& t, const LoadedImage& image) {
  ReconUi& r = t.ui;
  const Published& pub = ctx.session.pub;
  t.canvas.load(image.pixels);
  std::snprintf(r.image_path, sizeof(r.image_path), "%s", image.path.c_str());
  r.image_note = image.note.empty() ? "used as it is" : image.note;
  r.image_error.clear();
  r.mask_preset.clear();
  if (pub.recon) {
    r.hidden_run = pub.recon->id;
    if (!pub.recon->finished.load()) ctx.session.worker->cancel_reconstruction();
  }
  ctx.status("loaded " + image.path + " (" + r.image_note + ")");
}

void adopt_model_for_canvas(ViewContext& ctx, ReconTab& t, const ModelInfo& m) {
  const ReconUi kept = t.ui;
  const bool same = t.canvas.width() == m.shape.w && t.canvas.height() == m.shape.h && t.canvas.channels() == m.shape.c;
  ReconUi& r = t.ui;
  r = ReconUi{};
  // The tools are the user's choices, not the model's.
  r.brush = kept.brush;
  r.iters = kept.iters;
  r.lr = kept.lr;
  r.chain = kept.chain;
  r.error_range = kept.error_range;
  r.mask_p = kept.mask_p;
  std::snprintf(r.image_path, sizeof(r.image_path), "%s", kept.image_path);
  if (same) {
    r.image_note = kept.image_note;
    r.mask_preset = kept.mask_preset;
    return;
  }
  t.canvas.reset(m.shape.w, m.shape.h, m.shape.c);
  if (kept.image_path[0] && !kept.image_note.empty()) ctx.session.worker->load_image(kept.image_path);  // fit to the new shape
}

void apply_mask_preset(ViewContext& ctx, ReconTab& t, const std::string& preset) {
  if (t.canvas.width() == 0) return;
  const std::string spec = preset == "random" ? random_mask_spec(t.ui.mask_p) : preset;
  t.canvas.set_mask(preset_mask(spec, t.canvas.height(), t.canvas.width(), uint64_t(ctx.session.sampler.seed)));
  t.ui.mask_preset = spec;
  ctx.status("mask " + spec + ": " + std::to_string(int(100 * (1 - t.canvas.observed_fraction()) + 0.5)) + "% hidden");
}

void load_image_field(ViewContext& ctx, ReconTab& t) {
  ReconUi& r = t.ui;
  const std::string path = r.image_path;
  const auto field_error = [&](const std::string& what) {
    r.image_error = what;
    ctx.error(what);
  };
  if (is_model_path(path) || (!path.empty() && std::filesystem::is_directory(path))) {
    field_error(path + ": this is a model, not an image: load it in the Model panel");
    return;
  }
  if (!is_image_path(path)) {
    field_error((path.empty() ? std::string("(empty)") : path) +
                                               ": not an image; expected .png, .jpg, .jpeg or .npy");
    return;
  }
  r.image_error.clear();
  ctx.show_tab("reconstruct");
  ctx.session.worker->load_image(path);
}

const ReconRun* shown_reconstruction(const ReconRun* run, const ReconUi& ui) {
  return run && run->id != ui.hidden_run ? run : nullptr;
}

nlohmann::json recon_inputs_state(const ReconTab& t, const ReconRun* published, const SamplerSettings& sampler) {
  const ReconUi& r = t.ui;
  const Canvas& canvas = t.canvas;
  nlohmann::json j;
  j["image_path"] = r.image_path;
  j["image_note"] = r.image_note;
  j["image_error"] = r.image_error;
  j["mask_preset"] = r.mask_preset;
  j["canvas_shape"] = {canvas.channels(), canvas.height(), canvas.width()};
  j["result_shown"] = shown_reconstruction(published, r) != nullptr;
  // The mask as rows of '1' (observed) and '0' (hidden): small, and easy to compare in a test.
  nlohmann::json rows = nlohmann::json::array();
  for (int y = 0; y < canvas.height(); ++y) {
    std::string row;
    for (int x = 0; x < canvas.width(); ++x) row += canvas.mask()[size_t(y) * canvas.width() + x] > 0.5f ? '1' : '0';
    rows.push_back(row);
  }
  j["mask"] = rows;
  if (canvas.pixels().size() <= 4096) j["canvas"] = canvas.pixels();  // H·W·C, for pixel checks
  j["uses"] = {{"steps", sampler.steps}, {"step_size", sampler.step_size}, {"noise_std", sampler.noise_std},
               {"seed", sampler.seed}};
  return j;
}

}  // namespace shortrun::explorer

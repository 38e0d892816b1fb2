// Reconstruct's inputs: image loads, mask presets, model switches and the path fields' checks.
#include "recon_inputs.h"

#include <cstdio>
#include <filesystem>

#include "explorer.h"
#include "file_kinds.h"
#include "mask_presets.h"

namespace shortrun::explorer {

namespace {
void field_error(Explorer& ex, std::string* field, const std::string& what) {
  *field = what;
  ex.errors.push_back(what);
  ex.status_message = what;
}
}  // namespace

void apply_loaded_image(Explorer& ex, const LoadedImage& image) {
  ReconUi& r = ex.recon;
  ex.canvas.load(image.pixels);
  std::snprintf(r.image_path, sizeof(r.image_path), "%s", image.path.c_str());
  r.image_note = image.note.empty() ? "used as it is" : image.note;
  r.image_error.clear();
  r.mask_preset.clear();
  if (ex.pub.recon) {
    r.hidden_run = ex.pub.recon->id;
    if (!ex.pub.recon->finished.load()) ex.worker->cancel_reconstruction();
  }
  ex.status_message = "loaded " + image.path + " (" + r.image_note + ")";
}

void adopt_model_for_canvas(Explorer& ex, const ModelInfo& m) {
  const ReconUi kept = ex.recon;
  const bool same = ex.canvas.width() == m.shape.w && ex.canvas.height() == m.shape.h && ex.canvas.channels() == m.shape.c;
  ReconUi& r = ex.recon;
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
  ex.canvas.reset(m.shape.w, m.shape.h, m.shape.c);
  if (kept.image_path[0] && !kept.image_note.empty()) ex.worker->load_image(kept.image_path);  // fit to the new shape
}

void apply_mask_preset(Explorer& ex, const std::string& preset) {
  if (ex.canvas.width() == 0) return;
  const std::string spec = preset == "random" ? random_mask_spec(ex.recon.mask_p) : preset;
  ex.canvas.set_mask(preset_mask(spec, ex.canvas.height(), ex.canvas.width(), uint64_t(ex.sampler.seed)));
  ex.recon.mask_preset = spec;
  ex.status_message = "mask " + spec + ": " + std::to_string(int(100 * (1 - ex.canvas.observed_fraction()) + 0.5)) + "% hidden";
}

void load_model_field(Explorer& ex) {
  const std::string path = ex.model_path_field;
  if (is_image_path(path)) {
    field_error(ex, &ex.model_error, path + ": this is an image: open it in Reconstruct (its image path or Browse)");
    return;
  }
  ex.drop_file(path);
}

void load_image_field(Explorer& ex) {
  const std::string path = ex.recon.image_path;
  if (is_model_path(path) || (!path.empty() && std::filesystem::is_directory(path))) {
    field_error(ex, &ex.recon.image_error, path + ": this is a model, not an image: load it in the Model panel");
    return;
  }
  if (!is_image_path(path)) {
    field_error(ex, &ex.recon.image_error, (path.empty() ? std::string("(empty)") : path) +
                                               ": not an image; expected .png, .jpg, .jpeg or .npy");
    return;
  }
  ex.recon.image_error.clear();
  ex.drop_file(path);
}

const ReconRun* shown_reconstruction(const Explorer& ex) {
  const ReconRun* run = ex.pub.recon.get();
  return run && run->id != ex.recon.hidden_run ? run : nullptr;
}

nlohmann::json recon_inputs_state(const Explorer& ex) {
  nlohmann::json j;
  j["image_path"] = ex.recon.image_path;
  j["image_note"] = ex.recon.image_note;
  j["image_error"] = ex.recon.image_error;
  j["mask_preset"] = ex.recon.mask_preset;
  j["canvas_shape"] = {ex.canvas.channels(), ex.canvas.height(), ex.canvas.width()};
  j["result_shown"] = shown_reconstruction(ex) != nullptr;
  // The mask as rows of '1' (observed) and '0' (hidden): small, and easy to compare in a test.
  nlohmann::json rows = nlohmann::json::array();
  for (int y = 0; y < ex.canvas.height(); ++y) {
    std::string row;
    for (int x = 0; x < ex.canvas.width(); ++x) row += ex.canvas.mask()[size_t(y) * ex.canvas.width() + x] > 0.5f ? '1' : '0';
    rows.push_back(row);
  }
  j["mask"] = rows;
  if (ex.canvas.pixels().size() <= 4096) j["canvas"] = ex.canvas.pixels();  // H·W·C, for pixel checks
  j["uses"] = {{"steps", ex.sampler.steps}, {"step_size", ex.sampler.step_size}, {"noise_std", ex.sampler.noise_std},
               {"seed", ex.sampler.seed}};
  return j;
}

}  // namespace shortrun::explorer

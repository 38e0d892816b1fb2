// The export actions (buttons, Ctrl+S and scripts): chain grids and frames go to the worker;
// the window, the interpolation strip and the reconstruction triptych are written here, from
// what the UI already holds (small PNGs, no torch). Names carry the local time (image_export.h).
#include <cstdio>
#include <filesystem>

#include "explorer.h"
#include "image_export.h"
#include "recon_inputs.h"
#include "shortrun/io/file_util.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {
void write_json(const std::string& path, const nlohmann::json& j) {
  write_file_atomic(path, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}
}  // namespace

std::optional<ExportRequest> Explorer::chain_export(const std::string& kind) {
  if (!pub.chains || !pub.model) {
    status_message = "nothing to export yet";
    return std::nullopt;
  }
  ExportRequest r;
  r.kind = kind;
  r.run = pub.chains;
  r.step = chains.step;
  r.model_path = pub.model->path;
  r.upscale = exporter.upscale;
  return r;
}

void Explorer::export_grid_png() {
  std::optional<ExportRequest> req = chain_export("grid_png");
  if (!req) return;
  char stem[64];
  std::snprintf(stem, sizeof(stem), "grid_seed%d_step%03d", pub.chains->settings.seed, chains.step);
  req->path = export_path(exporter.folder, stem, ".png");
  worker->export_chains(*req);
}

void Explorer::export_window_png() {
  const std::string path = export_path(exporter.folder, "window", ".png");
  request_screenshot(path);
  status_message = "wrote " + path;
}

void Explorer::export_chain_frames() {
  std::optional<ExportRequest> req = chain_export("chain_frames");
  if (!req) return;
  req->selected = exporter.selected_only ? chains.selected : -1;
  req->video = exporter.video == 1 ? "gif" : exporter.video == 2 ? "mp4" : "";
  std::string stem = "chain_seed" + std::to_string(pub.chains->settings.seed);
  if (req->selected >= 0) stem += "_" + std::to_string(req->selected);
  req->path = export_path(exporter.folder, stem, "");
  worker->export_chains(*req);
}

void Explorer::export_strip_png() {
  const InterpResult* strip = pub.interp_strip.get();
  if (!strip || strip->shape.n == 0) {
    status_message = "no interpolation strip to export yet (open the Interpolation tab)";
    return;
  }
  const std::string path = export_path(exporter.folder, "strip", ".png");
  try {
    write_png_rgb(path, strip_image(*strip, exporter.upscale));
    write_json(path + ".json", {{"model", pub.model ? pub.model->path : ""},
                                {"endpoint_a", {{"seed", interp.seed_a}, {"chain", interp.chain_a}}},
                                {"endpoint_b", {{"seed", interp.seed_b}, {"chain", interp.chain_b}}},
                                {"path", strip->path}, {"noise", strip->noise}, {"rho", strip->rho},
                                {"energy", strip->energy}, {"sampler", settings_json(sampler)},
                                {"upscale", exporter.upscale}});
    status_message = "wrote " + path + " (" + std::to_string(strip->shape.n) + " images) and " + path + ".json";
  } catch (const std::exception& e) {
    errors.push_back(e.what());
    status_message = e.what();
  }
}

void Explorer::export_triptych_png() {
  const ReconRun* run = shown_reconstruction(*this);
  const std::shared_ptr<const std::vector<float>> latest = run ? std::atomic_load(&run->latest) : nullptr;
  if (!run || !latest) {
    status_message = "no reconstruction to export yet (press Reconstruct)";
    return;
  }
  const std::string path = export_path(exporter.folder, "reconstruction", ".png");
  try {
    write_png_rgb(path, triptych_image(*run, *latest, recon.error_range, exporter.upscale));
    const int done = run->done.load();
    write_json(path + ".json", {{"model", pub.model ? pub.model->path : ""},
                                {"layout", "observed (hidden pixels tinted red) | reconstruction | |error| over [0, error_range]"},
                                {"image", recon.image_path}, {"image_note", recon.image_note},
                                {"mask_preset", recon.mask_preset}, {"iterations", done}, {"of", run->iters},
                                {"mse", run->curve[std::min<size_t>(done, run->curve.size() - 1)]},
                                {"chain", run->chain}, {"seed", run->seed}, {"error_range", recon.error_range},
                                {"sampler", settings_json(sampler)}, {"upscale", exporter.upscale}});
    status_message = "wrote " + path + " and " + path + ".json";
  } catch (const std::exception& e) {
    errors.push_back(e.what());
    status_message = e.what();
  }
}

}  // namespace shortrun::explorer

// The shell's actions: a file dropped (or opened from the Model panel, a recent file, the file
// chooser), a model load, a 2-D model to its tab, the Model panel's chooser, a stuck worker left
// behind, the window exported. Declared in explorer.h.
#include <filesystem>

#include "display/image_export.h"
#include "shell/explorer.h"
#include "shortrun/io/model_paths.h"
#include "views/file_kinds.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

void abandon_worker(Explorer& ex) {
  const std::string what = ex.session.abandon_worker();
  ex.model_panel.error = "the worker was stuck in " + what + " and was left behind; load a model to go on";
  ex.log.error(ex.model_panel.error);
}

void load_model(Explorer& ex, const std::string& path) {
  if (open_toy_model(ex, path)) return;
  ex.log.say("loading " + path);
  ex.session.worker->load_model(path);
}

void open_file(Explorer& ex, const std::string& path) {
  if (is_model_path(path) || fs::is_directory(path)) {
    std::string p = path;
    try {
      p = resolve_model_path(path);
    } catch (const std::exception& e) {
      ex.log.error(ex.model_panel.error = e.what());
      return;
    }
    if (open_toy_model(ex, p)) return;
    if (const std::string why = not_a_model_reason(p); !why.empty()) {
      ex.log.error(ex.model_panel.error = why);
      return;
    }
    load_model(ex, p);
  } else if (is_image_path(path)) {
    set_control(ex, "image_path", path);
    press(ex, "open_image");
  } else {
    ex.log.error(path + ": not a model (.safetensors, .pt, .pth) or an image (.png, .jpg, .npy)");
  }
}

void drop_files(Explorer& ex, const std::vector<std::string>& paths) {
  ViewContext ctx = view_context(ex);
  if (ex.views.shown().take_drop(ctx, paths)) return;
  for (const std::string& p : paths) open_file(ex, p);
}

bool open_toy_model(Explorer& ex, const std::string& path) {
  View* v = ex.views.find("toy2d");
  if (!v || safetensors_role(path) != SafetensorsRole::kToy2d) return false;
  ViewContext ctx = view_context(ex);
  ex.views.show("toy2d");
  ex.model_panel.error.clear();
  if (!v->take_drop(ctx, {path})) return false;
  ex.log.say(path + " is a 2-D playground model (points, not images): opened in the 2-D tab");
  return true;
}

void browse_model(Explorer& ex) {
  open_file_browser(ex.browser, ex.config, BrowseFor::kModel, ex.model_panel.typed_path(), [&ex](const std::string& path) {
    set_control(ex, "model_path", path);
    press(ex, "load_model");
  });
}

void export_window(Explorer& ex) {
  const std::string path = export_path(ex.export_panel.settings().folder, "window", ".png");
  ex.request_screenshot(path);
  ex.log.say("wrote " + path);
}

}  // namespace shortrun::explorer

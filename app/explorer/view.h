// A view of the explorer: one tab with its own state, drawn from the Session (model, sampler,
// jobs) and a few requests back to the explorer, never from the Explorer itself. Scripts drive
// a view through the same named controls and buttons its widgets use, and state dumps include
// its state(), so every view is testable headless as the built-in tabs are. Each view lives in
// its own panel_*.cpp; views.cpp lists them.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "session.h"
#include "worker.h"

namespace shortrun::explorer {

class TextureUpload;
class ColormapPass;
class UserConfig;

// What a view may use while it draws, and what it may ask of the explorer.
struct ViewContext {
  Session& session;
  TextureUpload& uploader;
  ColormapPass& colormap;
  UserConfig& config;  // what persists between sessions (recent files, folders, runs)
  float ui_scale = 1.0f;
  double now = 0;  // seconds since start (the UI clock)
  // The sidebar's export folder, absolute: every tab exports there unless its own folder field is set.
  std::string export_folder;
  // `own` (a tab's folder field) if set, else the sidebar's folder; absolute either way.
  std::string folder_for(const std::string& own) const;
  // Requests (the explorer carries them out):
  std::function<void(const std::string& path)> load_model;    // into the Chains tab (and every view)
  std::function<void(const std::string& tab)> show_tab;       // by tab id: chains, long_run, ...
  std::function<void(const std::string& line)> status;        // the status bar's message
  std::function<void(const std::string& line)> error;         // an error line (also in state dumps)
  // Opens the file chooser for images and folders of them, titled `title`, in the folder of
  // `near`; the picked path goes to `picked` (on the UI thread, in a later frame).
  std::function<void(const std::string& title, const std::string& near,
                     std::function<void(const std::string& path)> picked)> browse_images;
  // The same for checkpoints (.safetensors, .pt, .pth) and run directories.
  std::function<void(const std::string& title, const std::string& near,
                     std::function<void(const std::string& path)> picked)> browse_models;
};

class View {
 public:
  virtual ~View() = default;
  virtual const char* title() const = 0;  // the tab's label
  virtual const char* id() const = 0;     // for --tab, scripts and state dumps (long_run, sweep, ...)
  // Draws the tab's content (inside its tab item).
  virtual void draw(ViewContext& ctx) = 0;
  // Every frame, shown or not, before the UI is built: take results, upload textures.
  virtual void update(ViewContext& ctx) {}
  // The named controls and buttons scripts may use (set_control/press take exactly these).
  virtual std::vector<std::string> controls() const { return {}; }
  virtual std::vector<std::string> buttons() const { return {}; }
  // Throws shortrun::Error for a bad value.
  virtual void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& value) {}
  virtual void press(ViewContext& ctx, const std::string& button) {}
  // A script's {"do": "wait", "for": "view", "view": id} ends when this is false.
  virtual bool busy() const { return false; }
  virtual nlohmann::json state() const { return nlohmann::json::object(); }
  // Files dropped on the window (or a script's drop_file) while this view is shown: true if the
  // view took them, and the explorer's own handling (a model loads, an image goes to
  // Reconstruct) is skipped.
  virtual bool take_drop(ViewContext& ctx, const std::vector<std::string>& paths) { return false; }
  // Long work on a thread the view owns, outside the views' job queue (the Training tab's
  // trainer), for the sidebar's job list. Ids are the view's own; the x of one calls
  // stop_own_job with that id ("stop all" stops them too).
  virtual std::vector<JobStatus> own_jobs() const { return {}; }
  virtual void stop_own_job(uint64_t id) {}
  // The model changed (a new ModelInfo id): results of the old one are stale.
  virtual void model_changed(ViewContext& ctx) {}
  // GL objects go before the context does.
  virtual void release_gl() {}
};

// A tooltip on the last item that also records the item's rectangle for the state dump's layout
// checks (explorer.cpp); every control of a view gets one.
void tip(const char* text);
// Records the last item for those layout checks without a tooltip (a plot's title): `what` names
// it, and `limit_w` > 0 is the width it must fit in (the plot's), checked by the GUI tests.
void record_layout(const std::string& what, float limit_w = 0);

// Every view beyond the three built-in tabs, in tab order (views.cpp).
std::vector<std::unique_ptr<View>> make_views();

}  // namespace shortrun::explorer

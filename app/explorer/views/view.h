// A view of the explorer: one tab with its own state, textures and actions, drawn from the
// Session (model, sampler, jobs) and a few requests back to the shell, never from the Explorer
// itself. Scripts drive a view through the same named controls and buttons its widgets use, and
// state dumps include its state(), so every view is testable headless. Each view lives in its
// own folder, views/<id>/; view_list.cpp lists them (app/explorer/README.md: adding a view).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "widgets/layout_record.h"
#include "worker/session.h"
#include "worker/worker.h"

namespace shortrun::explorer {

class TextureUpload;
class ColormapPass;
class UserConfig;

// The sidebar's export choices, which every tab's exports follow.
struct ExportSettings {
  std::string folder = "shortrun_export";  // as typed (relative to the working directory)
  int video = 1;               // chain frames: 0 frames only, 1 GIF, 2 MP4
  bool selected_only = false;  // chain frames: the selected chain only
  int upscale = 1;             // nearest-neighbour magnification of PNG exports
};

// What a view may use while it draws, and what it may ask of the explorer.
struct ViewContext {
  ViewContext(Session& s, TextureUpload& u, ColormapPass& c, UserConfig& cfg) : session(s), uploader(u), colormap(c), config(cfg) {}
  Session& session;
  TextureUpload& uploader;
  ColormapPass& colormap;
  UserConfig& config;  // what persists between sessions (recent files, folders, runs)
  float ui_scale = 1.0f;
  double now = 0;  // seconds since start (the UI clock)
  // The sidebar's export folder, absolute: every tab exports there unless its own folder field is set.
  std::string export_folder;
  ExportSettings exports;
  bool typing = false;  // a text field has focus: typed values commit on Enter or focus loss
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
  // The same for one image file (no folders): the Reconstruct canvas, in the chooser's own title.
  std::function<void(const std::string& near, std::function<void(const std::string& path)> picked)> browse_image_file;
  // The same for checkpoints (.safetensors, .pt, .pth) and run directories.
  std::function<void(const std::string& title, const std::string& near,
                     std::function<void(const std::string& path)> picked)> browse_models;
  // Named requests to another view or the sidebar, by the names scripts use ("seed_a", "selected",
  // "open_image", ...): cross-view actions go through these, never through another view's type.
  // Both throw shortrun::Error for an unknown name or a bad value.
  std::function<void(const std::string& control, const nlohmann::json& value)> set_control;
  std::function<void(const std::string& button)> press;
  // A job of the list by id, wherever it runs (the worker, the views' queue, a view's own
  // thread), and all of them.
  std::function<void(uint64_t id)> cancel_job;
  std::function<void()> cancel_all_jobs;
  // A file as if dropped on the window: a model loads (a run directory resolved, a 2-D model to
  // its tab, a file that is no model refused with a line), an image goes to Reconstruct.
  std::function<void(const std::string& path)> open_file;
  // The first chain image reached the screen (the start-up time in state dumps).
  std::function<void()> first_image;
};

// What scripts can drive: named controls ("set") and buttons ("press"). Views and the sidebar's
// panels are script targets; the names are unique across all of them (the shell checks).
class ScriptTarget {
 public:
  virtual ~ScriptTarget() = default;
  virtual std::vector<std::string> controls() const { return {}; }
  virtual std::vector<std::string> buttons() const { return {}; }
  // Throws shortrun::Error for a bad value.
  virtual void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& value) {}
  virtual void press(ViewContext& ctx, const std::string& button) {}
};

class View : public ScriptTarget {
 public:
  virtual const char* title() const = 0;  // the tab's label
  virtual const char* id() const = 0;     // for --tab, scripts and state dumps (long_run, sweep, ...)
  // Draws the tab's content (inside its tab item).
  virtual void draw(ViewContext& ctx) = 0;
  // Every frame, shown or not, before the UI is built: take results, upload textures.
  virtual void update(ViewContext& ctx) {}
  // A script's {"do": "wait", "for": "view", "view": id} ends when this is false.
  virtual bool busy() const { return false; }
  // Requests made while drawing that have not reached a job yet (a script's "idle" wait waits for
  // them while the view is shown).
  virtual bool pending_requests() const { return false; }
  // The window keeps drawing frames (playback): no idle wait for input.
  virtual bool animating() const { return busy(); }
  // A script action of the view's own ({"do": "stroke"} on the canvas): true if it was one.
  virtual bool script_action(ViewContext& ctx, const nlohmann::json& action) { return false; }
  // Keys pressed while no text field has focus, and this view is shown (Space, arrows, Ctrl+Z).
  virtual void shortcuts(ViewContext& ctx) {}
  virtual nlohmann::json state() const { return nlohmann::json::object(); }
  // The three first tabs' state predates views: their keys sit at the top of the state dump
  // ("view", "inspector", "interpolation", "reconstruct"), where the GUI tests read them.
  virtual bool state_at_top() const { return false; }
  // Files dropped on the window (or a script's drop_file) while this view is shown: true if the
  // view took them, and the explorer's own handling (a model loads, an image goes to
  // Reconstruct) is skipped.
  virtual bool take_drop(ViewContext& ctx, const std::vector<std::string>& paths) { return false; }
  // Long work on a thread the view owns, outside the views' job queue (the Training tab's
  // trainer), for the sidebar's job list. Ids are the view's own; the x of one calls
  // stop_own_job with that id ("stop all" stops them too).
  virtual std::vector<JobStatus> own_jobs() const { return {}; }
  virtual void stop_own_job(uint64_t id) {}
  // The tab works only with an energy model loaded (Langevin chains, f(x)): with a VAE or GAN the
  // tab host draws a line saying so instead of the tab.
  virtual bool needs_energy_model() const { return false; }
  // The model changed (a new ModelInfo id): results of the old one are stale.
  virtual void model_changed(ViewContext& ctx) {}
  // GL objects go before the context does.
  virtual void release_gl() {}
};


// Every view, in tab order (view_list.cpp).
std::vector<std::unique_ptr<View>> make_views();

}  // namespace shortrun::explorer

// The explorer's one context object (as in polyscope): the window and its frame loop, the
// session (torch worker, sampler, jobs), the sidebar's panels and the tabs, and the layout of
// sidebar, tabs and status bar. Views and panels never see it: they get a ViewContext
// (views/view.h) each frame, and reach each other by the names scripts use (shell/controls.cpp).
// What the shell does on a drop, a model path or a stuck worker is in shell/actions.cpp.
#pragma once
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "display/display_image.h"
#include "display/texture_upload.h"
#include "shell/app_window.h"
#include "shell/options.h"
#include "shell/status_log.h"
#include "shell/view_host.h"
#include "sidebar/sidebar_panels.h"
#include "views/file_browser.h"
#include "views/user_config.h"
#include "widgets/layout_record.h"
#include "worker/session.h"

namespace shortrun::explorer {

class ScriptRunner;

struct SidebarLayout {
  float width = 330.0f;   // logical pixels (× the UI scale); dragged at its edge
  bool collapsed = false; // hidden, the tabs take the whole width
  bool dragged = false;   // its edge was dragged (or a script set the width): no auto-narrowing
  float shown_width = 0;  // the width drawn last frame (logical pixels)
};

class Explorer {
 public:
  explicit Explorer(ExplorerOptions options);  // opens the window; throws shortrun::Error
  ~Explorer();
  int run();  // the frame loop; returns the exit code

  void request_screenshot(const std::string& path) { pending_screenshot_ = path; }
  double seconds_since_start() const;
  bool stuck_job() const;
  void quit(int code) { quit_ = true, exit_code_ = code; }

  ExplorerOptions options;
  UserConfig config;
  Session session{worker_options_for(options)};
  ViewHost views;
  ModelPanel model_panel;
  SamplerPanel sampler_panel;
  ExportPanel export_panel;
  JobsPanel jobs_panel;
  FileBrowser browser;
  StatusLog log;
  FrameStats stats;
  SidebarLayout sidebar;
  bool show_help = false;
  bool typing = false;              // a text field has focus: typed values commit on Enter or focus loss
  std::vector<LaidOutItem> layout;  // the last frame's controls (state dumps)
  std::string hovered_tip;          // the tooltip the last frame showed ("" if none)
  std::unique_ptr<AppWindow> window;
  std::unique_ptr<TextureUpload> uploader;
  std::unique_ptr<ColormapPass> colormap;

 private:
  void frame();
  void on_published();
  void shortcuts(ViewContext& ctx);
  void draw_ui(ViewContext& ctx);
  void draw_sidebar(ViewContext& ctx, float width, float height);
  void draw_sidebar_edge(float width, float height);
  void draw_status_bar(float height);

  std::unique_ptr<ScriptRunner> script_;
  std::string pending_screenshot_;
  uint64_t seen_model_ = 0, seen_error_ = 0, seen_message_ = 0, seen_view_error_ = 0;
  int frames_after_script_ = 0;
  bool quit_ = false;
  int exit_code_ = 0;
  std::chrono::steady_clock::time_point last_frame_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// What views, panels and the script runner work with this frame (controls.cpp).
ViewContext view_context(Explorer& ex);
// The script names: the shell's own, then the panels', then the views' (controls.cpp). Both
// throw shortrun::Error for an unknown name or a bad value.
void set_control(Explorer& ex, const std::string& name, const nlohmann::json& value);
void press(Explorer& ex, const std::string& name);
// A script sets the first control (presses the first button) of a name, so every name is unique
// across the shell, the panels and all views: throws shortrun::Error naming a clash.
void check_script_names(Explorer& ex);

// The shell's actions (actions.cpp), for drops, the file chooser, scripts and the sidebar.
void open_file(Explorer& ex, const std::string& path);  // as if dropped: a model loads, an image goes to Reconstruct
void drop_files(Explorer& ex, const std::vector<std::string>& paths);  // the shown view takes them if it wants
void load_model(Explorer& ex, const std::string& path);
bool open_toy_model(Explorer& ex, const std::string& path);  // a 2-D playground model opens in its tab: true if it was one
void browse_model(Explorer& ex);    // the file chooser for the Model panel (Ctrl+O)
void abandon_worker(Explorer& ex);  // leaves a stuck worker behind (Session::abandon_worker)
void export_window(Explorer& ex);   // the window as a PNG in the export folder

// The F1 window: keys and gestures (help_window.cpp).
void draw_help_window(bool* open);
// The explorer's state as JSON (--dump-state, the script's dump_state; state_dump.cpp).
nlohmann::json explorer_state(const Explorer& ex);

}  // namespace shortrun::explorer

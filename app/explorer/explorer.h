// The explorer's one context object: the window, the torch worker, the UI state of every
// panel, the textures they show, and the actions that widgets, keyboard shortcuts and the
// --script replayer all go through (so a script drives exactly what a user's click does).
#pragma once
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "canvas.h"
#include "chain_inspector.h"
#include "colour_bar.h"
#include "display_image.h"
#include "input_queue.h"
#include "run_cost.h"
#include "session.h"
#include "file_browser.h"
#include "snapshots.h"
#include "texture_upload.h"
#include "user_config.h"
#include "view.h"
#include "worker.h"

struct GLFWwindow;

namespace shortrun::explorer {

class ScriptRunner;

struct ExplorerOptions {
  std::string model;            // "" = the bundled model
  std::string device = "cpu";
  int threads = 0;              // torch threads (0: cores − 1)
  int chains = 16;
  int width = 1280, height = 800;
  std::string screenshot;       // write the window here after the script and --frames, then exit
  int frames = 0;               // frames to render before the screenshot/exit (0 = run until closed)
  std::string script;           // actions.json to replay (the app exits when it ends)
  bool stay = false;            // keep the window open after the script
  std::string dump_state;       // write the state JSON here at exit
  std::string config_dir;       // "" default, "none" = do not persist
  std::string tab;              // chains | interpolation | reconstruct
  bool interop = true;          // CUDA-GL interop when built with it and the model is on CUDA
};

enum class Tab { kChains = 0, kInterpolation = 1, kReconstruct = 2 };

struct ChainsUi {
  int step = 0;               // the step shown (scrubber)
  bool playing = false, loop = true;
  float speed = 20.0f;        // steps per second while playing
  bool follow = true;         // the scrubber follows the newest step while a run streams in
  int selected = -1;          // enlarged chain
  float residual_range = 0.05f;
  bool residual_auto = true;
  bool nearest = true;
  double play_accum = 0;
  uint64_t shown_run = 0;     // what the grid texture holds
  int shown_step = -1;
  int shown_selected = -2;
  InspectorUi inspector;      // the enlarged chain's zoom, pan and difference view
  int slider_max = 0;         // the step slider's range: the shown run's K
};

struct InterpUi {
  int seed_a = 1, chain_a = 0, seed_b = 2, chain_b = 0;
  float rho = 0.5f;
  int path = 1;               // 0 linear, 1 spherical
  int noise = 0;              // 0 fixed, 1 mixed, 2 off
  int points = 8;
  bool dirty_live = true, dirty_strip = true;
  uint64_t shown_live = 0, shown_strip = 0;
};

struct ReconUi {
  Brush brush;
  int iters = 100;
  float lr = 0.05f;
  int chain = 0;
  float error_range = 1.0f;
  uint64_t shown_canvas = ~0ull;
  uint64_t shown_recon = 0;
  int shown_done = -1;
  uint64_t applied_image = 0; // last LoadedImage put on the canvas
  char image_path[1024] = "";
  bool requested = false;     // a reconstruction has been asked for since the last model load
  std::string image_note;     // what loading the image did to fit the model (pad, crop, resize)
  std::string image_error;    // the image path field's error ("" if none)
  uint64_t hidden_run = 0;    // a result made before the current image was loaded: not shown
  float mask_p = 0.5f;        // the random mask preset's fraction hidden
  std::string mask_preset;    // the last preset applied (center | left | random:P), "" if none
  uint64_t shown_observed = 0;  // the run whose observed image the thumbnail holds
  SamplerSettings sampler_used;  // the sampler settings of the last reconstruction asked for
};

struct ExportUi {
  char folder[1024] = "shortrun_export";
  int video = 1;              // 0 none, 1 gif, 2 mp4
  bool selected_only = false;
  bool ffmpeg = false;
  int upscale = 1;            // nearest-neighbour magnification of PNG exports
};

// A control as laid out in the last frame (recorded by tip()).
struct LaidOutItem {
  std::string tip, window;
  std::vector<float> rect, window_rect;  // x0, y0, x1, y1 in screen pixels
  float scroll_max_y = 0, scroll_y = 0;
  bool disabled = false;
  std::string why;
  float limit_w = 0;  // > 0: the width the item must fit in (a plot title: its plot's width)  // a disabled control's reason (disabled_why.h); "" if none was given
};

struct FrameStats {
  std::deque<double> frame_ms;          // recent frame times
  std::deque<double> build_ms, draw_ms; // of which: building the UI (+ uploads), GL drawing + swap
  std::vector<double> sampling_ms;      // frame times while the worker was sampling chains
  uint64_t frames = 0;
  double first_image_s = -1;            // start-up to the first chain image on screen
  double mean_fps(const std::deque<double>& ms) const;
};

// The worker's options for these explorer options (device, threads, CUDA frames for interop).
WorkerOptions worker_options_for(const ExplorerOptions& options);

class Explorer {
 public:
  explicit Explorer(ExplorerOptions options);  // opens the window; throws shortrun::Error
  ~Explorer();
  int run();                                   // the frame loop; returns the exit code

  // Actions (widgets, shortcuts and scripts all call these).
  void load_model(const std::string& path);
  void drop_file(const std::string& path);
  // A 2-D playground model file goes to the 2-D tab (shown, and the file opened there): true if
  // `path` is one.
  bool open_toy_model(const std::string& path);
  // Real input events still queued for later frames (input_queue.h): a script's wait for "input".
  bool input_pending() const { return input_.pending(); }
  // Files dropped together: the shown view takes them if it wants (view.h take_drop), else
  // each goes to drop_file (view_host.cpp).
  void drop_files(const std::vector<std::string>& paths);
  // A job of the list, wherever it runs (the worker, the views' queue, a view's own thread),
  // and all of them (view_host.cpp).
  void cancel_job(uint64_t id);
  void cancel_all_jobs();
  void select_chain(int index);
  void set_endpoint(char which, int chain);   // 'a' or 'b': the chain under the current seed
  void set_step(int step);
  void step_by(int delta);
  void toggle_play();
  void rerun();
  void reset_sampler_defaults();
  // MALA on turns clamping off (a clamped proposal has no density); off again, the clamp comes
  // back as it was, and the status line says what happened to it either way.
  void set_mala(bool on);
  bool clamp_before_mala = false;
  void set_device(const std::string& device);
  void random_endpoints();
  void start_reconstruction();
  void show_reconstruction_chain();
  void export_grid_png();
  void export_window_png();
  void export_chain_frames();
  // Leaves a worker whose job ignores its stop (a stuck module) behind and starts a fresh one,
  // with no model loaded, and says so (Session::abandon_worker).
  void abandon_worker();
  // A job has ignored its stop for longer than a network evaluation could take (the job list
  // then offers to abandon the worker).
  bool stuck_job() const;
  // The costly-run prompt's "no": back to the current run, with a line saying what was skipped.
  void decline_costly_run();
  void export_strip_png();      // the interpolation strip (exports.cpp)
  void export_triptych_png();   // observed | reconstruction | error (exports.cpp)
  bool screenshot(const std::string& path);   // the window as it was last rendered
  void request_screenshot(const std::string& path) { pending_screenshot_ = path; }
  nlohmann::json state() const;
  double seconds_since_start() const;
  void quit(int code) { quit_ = true; exit_code_ = code; }

  // State the panels read and edit (one context object, as in polyscope).
  ExplorerOptions options;
  // The worker, its snapshot, the sampler settings and the job controls (session.h); the names
  // below are short aliases of its state for the panels.
  Session session{worker_options_for(options)};
  std::unique_ptr<Worker>& worker = session.worker;
  Published& pub = session.pub;
  SamplerSettings& sampler = session.sampler;
  SamplerSettings& requested_sampler = session.requested_sampler;
  bool& sample_requested = session.sample_requested;
  Tab tab = Tab::kChains;
  bool tab_from_code = true;  // select `tab` in the tab bar on the next frame
  ChainsUi chains;
  InterpUi interp;
  ReconUi recon;
  ExportUi exporter;
  Canvas canvas;
  std::unique_ptr<TextureUpload> uploader;
  std::unique_ptr<ColormapPass> colormap;
  // GL textures of every view; released before the GL context goes.
  struct Views {
    DisplayImage grid, heat, interp_live, interp_strip, canvas, recon, error, observed;
    ColourBar heat_bar, error_bar;
  };
  std::unique_ptr<Views> views;
  // The tabs after Reconstruct (views.cpp): tab index 3 + i is view_tabs[i].
  std::vector<std::unique_ptr<View>> view_tabs;
  View* find_view(const std::string& id);
  // What a view may use this frame (the session, the texture path, requests to the explorer).
  ViewContext view_context();
  // Shows the tab with this id (chains | interpolation | reconstruct | a view's id); false if none.
  bool show_tab(const std::string& id);
  std::string tab_id() const;
  // A script sets the first control (presses the first button) of a name, so every name must
  // be unique across the built-in controls and all views: throws shortrun::Error naming a clash.
  void check_view_names() const;
  UserConfig config;
  FileBrowser browser;            // the file chooser (Ctrl+O, Browse...)
  char model_path_field[1024] = "";
  bool focus_model_path = false;
  bool show_help = false;
  int threads_field = 1;
  std::string model_error;        // the last load error (shown in the Model panel)
  std::string status_message;
  std::vector<std::string> errors;  // every error shown this session (for state dumps)
  FrameStats stats;
  float sidebar_width = 330.0f;   // logical pixels (× the UI scale); dragged at its edge
  bool sidebar_collapsed = false; // hidden, the tabs take the whole width
  bool sidebar_dragged = false;   // its edge was dragged (or a script set the width): no auto-narrowing
  float sidebar_shown_width = 0;  // the width drawn last frame (logical pixels)
  bool typing = false;            // a text field has focus: typed values commit on Enter or focus loss
  std::vector<LaidOutItem> layout;  // the last frame's controls (state dumps)
  std::string hovered_tip;          // the tooltip the last frame showed ("" if none)

 private:
  void init_window();
  void init_imgui();
  void frame();
  void on_published();
  void shortcuts();
  void draw_ui();
  // The views (view_host.cpp): per-frame update, errors of view jobs, drawing one tab.
  void update_views();
  bool views_busy() const;
  void draw_view(int index);
  bool capture_window(std::vector<uint8_t>* rgba, int* w, int* h);
  // An export of the shown chain run at the current step (nullopt, with a status line, if none).
  std::optional<ExportRequest> chain_export(const std::string& kind);

  GLFWwindow* window_ = nullptr;
  std::unique_ptr<ScriptRunner> script_;
  InputQueue input_;

  std::string ini_path_;
  std::string pending_screenshot_;
  uint64_t seen_model_ = 0, seen_error_ = 0, seen_message_ = 0, applied_image_ = 0;
  uint64_t newest_result(const std::string& job) const;
  void clear_superseded_error();
  std::chrono::steady_clock::time_point recon_started_;  // prices the next reconstruction
  uint64_t recon_measured_ = 0;                         // the reconstruction whose rate the book has
  std::string seen_device_;        // a device switch re-checks the precision mode
  std::string status_error_job_;   // the worker job whose error the status bar shows ("" none)
  uint64_t status_error_result_ = 0;  // that job's newest result when it failed (a newer good one clears it)
  uint64_t seen_view_error_ = 0, views_model_ = 0;
  int frames_after_script_ = 0;
  bool quit_ = false;
  int exit_code_ = 0;
  float ui_scale_ = 1.0f;
  std::chrono::steady_clock::time_point last_frame_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Panels (one file each).
void draw_model_panel(Explorer& ex);
void draw_sampler_panel(Explorer& ex);
void draw_export_panel(Explorer& ex);
void draw_chains_panel(Explorer& ex);
void draw_interpolation_panel(Explorer& ex);
void draw_reconstruct_panel(Explorer& ex);
void draw_help_window(Explorer& ex);
void draw_jobs_panel(Explorer& ex);
// The fixed height of the sidebar's job room (a heading and two jobs; more scroll inside it).
float jobs_panel_height();
void draw_cost_prompt(Explorer& ex);
void draw_chain_inspector(Explorer& ex, const ChainRun& run, float big);
// "3 of 16 chains diverged (non-finite) from step 12", or "" when none did.
std::string divergence_note(const ChainRun& run);

// A tooltip on the last item (every control gets one).
void tip(const char* text);

}  // namespace shortrun::explorer

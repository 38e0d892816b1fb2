// The explorer's one context object: the window, the torch worker, the UI state of every
// panel, the textures they show, and the actions that widgets, keyboard shortcuts and the
// --script replayer all go through (so a script drives exactly what a user's click does).
#pragma once
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "canvas.h"
#include "display_image.h"
#include "file_browser.h"
#include "snapshots.h"
#include "texture_upload.h"
#include "user_config.h"
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
  std::tuple<uint64_t, int, int, float, bool> shown_heat{};  // (run, chain, step, range, auto) in the heatmap
  int slider_max = 0;         // the step slider's range: the shown run's K
  int heat_step = -1;         // the heatmap shows x_{heat_step+1} - x_heat_step of the selected chain
  float heat_norm = 0;        // its L2 norm (channel mean), and the |dx| printed beside it
  float dx_shown = 0;
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

struct FrameStats {
  std::deque<double> frame_ms;          // recent frame times
  std::deque<double> build_ms, draw_ms; // of which: building the UI (+ uploads), GL drawing + swap
  std::vector<double> sampling_ms;      // frame times while the worker was sampling chains
  uint64_t frames = 0;
  double first_image_s = -1;            // start-up to the first chain image on screen
  double mean_fps(const std::deque<double>& ms) const;
};

class Explorer {
 public:
  explicit Explorer(ExplorerOptions options);  // opens the window; throws shortrun::Error
  ~Explorer();
  int run();                                   // the frame loop; returns the exit code

  // Actions (widgets, shortcuts and scripts all call these).
  void load_model(const std::string& path);
  void drop_file(const std::string& path);
  void select_chain(int index);
  void set_endpoint(char which, int chain);   // 'a' or 'b': the chain under the current seed
  void set_step(int step);
  void step_by(int delta);
  void toggle_play();
  void rerun();
  void reset_sampler_defaults();
  void set_device(const std::string& device);
  void random_endpoints();
  void start_reconstruction();
  void show_reconstruction_chain();
  void export_grid_png();
  void export_window_png();
  void export_chain_frames();
  void export_strip_png();      // the interpolation strip (exports.cpp)
  void export_triptych_png();   // observed | reconstruction | error (exports.cpp)
  bool screenshot(const std::string& path);   // the window as it was last rendered
  void request_screenshot(const std::string& path) { pending_screenshot_ = path; }
  nlohmann::json state() const;
  double seconds_since_start() const;
  void quit(int code) { quit_ = true; exit_code_ = code; }

  // State the panels read and edit (one context object, as in polyscope).
  ExplorerOptions options;
  SamplerSettings sampler, requested_sampler;
  bool sample_requested = false;
  Tab tab = Tab::kChains;
  bool tab_from_code = true;  // select `tab` in the tab bar on the next frame
  ChainsUi chains;
  InterpUi interp;
  ReconUi recon;
  ExportUi exporter;
  Canvas canvas;
  Published pub;
  std::unique_ptr<Worker> worker;
  std::unique_ptr<TextureUpload> uploader;
  std::unique_ptr<ColormapPass> colormap;
  // GL textures of every view; released before the GL context goes.
  struct Views {
    DisplayImage grid, heat, interp_live, interp_strip, canvas, recon, error, observed;
  };
  std::unique_ptr<Views> views;
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

 private:
  void init_window();
  void init_imgui();
  void frame();
  void on_published();
  void shortcuts();
  void draw_ui();
  bool capture_window(std::vector<uint8_t>* rgba, int* w, int* h);
  // An export of the shown chain run at the current step (nullopt, with a status line, if none).
  std::optional<ExportRequest> chain_export(const std::string& kind);

  GLFWwindow* window_ = nullptr;
  std::unique_ptr<ScriptRunner> script_;
  std::string ini_path_;
  std::string pending_screenshot_;
  uint64_t seen_model_ = 0, seen_error_ = 0, seen_message_ = 0, applied_image_ = 0;
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

// A tooltip on the last item (every control gets one).
void tip(const char* text);

}  // namespace shortrun::explorer

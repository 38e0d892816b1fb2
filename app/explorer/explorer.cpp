// Explorer: window and ImGui set-up, the frame loop, keyboard shortcuts, drag-and-drop,
// screenshots and state dumps. Panels live in panel_*.cpp, script replay in script.cpp.
#include "explorer.h"

#include <GL/glew.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <thread>

#include "disabled_why.h"
#include "export_jobs.h"
#include "file_kinds.h"
#include "jobs_text.h"
#include "recon_inputs.h"
#include "script.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/model_paths.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {
std::string g_glfw_error;
void on_glfw_error(int, const char* description) { g_glfw_error = description ? description : "unknown error"; }

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* ex = static_cast<Explorer*>(glfwGetWindowUserPointer(window));
  ex->drop_files(std::vector<std::string>(paths, paths + count));
}
}  // namespace

namespace {
// Every control gets a tip, so tip() also records where each control was laid out this frame
// (the state dump's "layout": the GUI test checks nothing is clipped at small window sizes).
std::vector<LaidOutItem> g_items;
std::string g_hovered_tip;  // the tooltip shown this frame (state dumps), "" if none
}  // namespace

void tip(const char* text) {
  // A disabled control keeps its tip, with the reason of the scope that disabled it (disabled_why.h);
  // long tips wrap inside the window.
  const bool disabled = (GImGui->LastItemData.InFlags & ImGuiItemFlags_Disabled) != 0;
  const std::string why = disabled ? disabled_reason() : std::string();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    const float wrap = std::min(ImGui::GetFontSize() * 32.0f, ImGui::GetMainViewport()->WorkSize.x - 24.0f);
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(std::max(wrap, 80.0f));
    ImGui::TextUnformatted(text);
    if (!why.empty()) {  // a control disabled without DisabledWhy keeps its own text (the state dump flags it)
      ImGui::Spacing();
      ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "Disabled: %s", why.c_str());
    }
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
    g_hovered_tip = std::string(text) + (why.empty() ? "" : "\nDisabled: " + why);
  }
  record_layout(text, 0);
  g_items.back().disabled = disabled;
  g_items.back().why = why;
}

void record_layout(const std::string& what, float limit_w) {
  const ImGuiWindow* w = ImGui::GetCurrentWindow();
  LaidOutItem item;
  item.limit_w = limit_w;
  item.tip = what.substr(0, 48);
  item.window = w->Name;
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  item.rect = {a.x, a.y, b.x, b.y};
  item.window_rect = {w->Pos.x, w->Pos.y, w->Pos.x + w->Size.x, w->Pos.y + w->Size.y};
  item.scroll_max_y = ImGui::GetScrollMaxY();
  item.scroll_y = ImGui::GetScrollY();
  g_items.push_back(std::move(item));
}

double FrameStats::mean_fps(const std::deque<double>& ms) const {
  if (ms.empty()) return 0;
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / double(ms.size());
  return mean > 0 ? 1000.0 / mean : 0;
}

WorkerOptions worker_options_for(const ExplorerOptions& options) {
  WorkerOptions wo;
  wo.device = options.device;
  wo.threads = options.threads;
#ifdef SHORTRUN_WITH_CUDA
  wo.device_frames = options.interop && options.device != "cpu";
#endif
  return wo;
}

Explorer::Explorer(ExplorerOptions opts) : options(std::move(opts)), config(options.config_dir) {
  sampler.chains = std::clamp(options.chains, 1, 256);
  view_tabs = make_views();
  check_view_names();
  if (!options.tab.empty() && !show_tab(options.tab)) throw Error("unknown tab '" + options.tab + "'");
  init_window();
  init_imgui();
  colormap = std::make_unique<ColormapPass>();
  views = std::make_unique<Views>();
  uploader = make_texture_upload(worker_options_for(options).device_frames);
  exporter.ffmpeg = ffmpeg_available();
  if (!options.script.empty()) {
    script_ = std::make_unique<ScriptRunner>(options.script);
    // Park the pointer in the status bar so no hover tooltip lands in scripted screenshots.
    glfwSetCursorPos(window_, 4.0, double(options.height) - 4.0);
  }
  std::string model = options.model;
  try {
    model = resolve_model_path(options.model);
  } catch (const std::exception& e) {
    model_error = e.what();
    errors.push_back(model_error);
  }
  if (!model.empty()) load_model(model);
}

Explorer::~Explorer() {
  session.view_jobs.reset();
  worker.reset();  // joins the worker before GL objects and the window go
  for (auto& v : view_tabs) v->release_gl();
  views.reset();
  colormap.reset();
  uploader.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

void Explorer::init_window() {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    throw Error("no display available (" + g_glfw_error +
                "); run it under a virtual display: xvfb-run -a shortrun-explorer [MODEL]");
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GL_TRUE);
  window_ = glfwCreateWindow(options.width, options.height, "Shortrun Explorer", nullptr, nullptr);
  if (!window_) {
    const std::string why = g_glfw_error;
    glfwTerminate();
    throw Error("cannot open an OpenGL 3.3 window (" + why + "); run it under xvfb-run -a, or check the GL driver");
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(1);
  glewExperimental = GL_TRUE;
  const GLenum glew = glewInit();
  // GLEW 2.2 reports "no GLX display" on EGL-only set-ups even though GL works; accept it then.
  if (glew != GLEW_OK && glew != 4 /* GLEW_ERROR_NO_GLX_DISPLAY */)
    throw Error(std::string("cannot load OpenGL functions (GLEW: ") + reinterpret_cast<const char*>(glewGetErrorString(glew)) + ")");
  glfwSetWindowUserPointer(window_, this);
  glfwSetDropCallback(window_, on_drop);
  float sx = 1, sy = 1;
  glfwGetWindowContentScale(window_, &sx, &sy);
  ui_scale_ = std::clamp(std::max(sx, sy), 1.0f, 4.0f);
}

void Explorer::init_imgui() {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  ini_path_ = config.imgui_ini_path();
  io.IniFilename = ini_path_.empty() ? nullptr : ini_path_.c_str();
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.FrameRounding = 3;
  style.ScaleAllSizes(ui_scale_);
  const float size = 15.0f * ui_scale_;
  const char* font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2010, 0x2212, 0x2190, 0x21FF, 0};  // Latin, Greek (ρ), arrows, − ‖
  if (fs::exists(font)) io.Fonts->AddFontFromFileTTF(font, size, nullptr, ranges);
  else io.Fonts->AddFontDefault();
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  input_.install(window_);  // queue on top of the backend's callbacks (input_queue.h)
  ImGui_ImplOpenGL3_Init("#version 330 core");
}

int Explorer::run() {
  last_frame_ = std::chrono::steady_clock::now();
  while (!quit_ && !glfwWindowShouldClose(window_)) frame();
  if (!options.dump_state.empty()) {
    try {
      write_file_atomic(options.dump_state, [&](std::ostream& out) { out << state().dump(2) << "\n"; });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "shortrun-explorer: %s\n", e.what());
      return 1;
    }
  }
  return exit_code_;
}

void Explorer::frame() {
  const auto frame_start = std::chrono::steady_clock::now();
  const bool scripted = script_ && !script_->idle_wait();
  const bool animating = chains.playing || !worker->idle() || views_busy() || scripted || options.frames > 0 || canvas.stroking() ||
                         input_.pending();
  if (animating) glfwPollEvents();
  else glfwWaitEventsTimeout(0.25);  // idle: wake for input, and now and then for the worker
  input_.feed();  // every queued press reaches a frame of its own
  typing = ImGui::GetIO().WantTextInput;
  session.refresh();
  on_published();
  update_views();

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  g_items.clear();
  g_hovered_tip.clear();
  shortcuts();
  draw_ui();
  layout = g_items;
  hovered_tip = g_hovered_tip;
  if (script_) {
    if (!script_->step(*this)) {
      if (!script_->error().empty()) {
        std::fprintf(stderr, "shortrun-explorer: script: %s\n", script_->error().c_str());
        quit(1);
      }
      script_.reset();
      frames_after_script_ = 0;
    }
  }
  ImGui::Render();
  const auto built = std::chrono::steady_clock::now();
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0.08f, 0.09f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (!pending_screenshot_.empty()) {
    if (!screenshot(pending_screenshot_)) quit(1);
    pending_screenshot_.clear();
  }
  // --frames N: N frames after the script (or from the start), then the screenshot and exit.
  // A script run ends with the script unless --stay keeps the window open.
  const bool script_run = !options.script.empty() && !options.stay;
  if (!script_ && (options.frames > 0 || !options.screenshot.empty() || script_run)) {
    if (++frames_after_script_ >= std::max(options.frames, 1)) {
      if (!options.screenshot.empty() && !screenshot(options.screenshot)) exit_code_ = 1;
      quit_ = true;
    }
  }
  glfwSwapBuffers(window_);

  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - last_frame_).count();
  last_frame_ = now;
  ++stats.frames;
  stats.build_ms.push_back(std::chrono::duration<double, std::milli>(built - frame_start).count());
  stats.draw_ms.push_back(std::chrono::duration<double, std::milli>(now - built).count());
  if (stats.build_ms.size() > 240) stats.build_ms.pop_front(), stats.draw_ms.pop_front();
  stats.frame_ms.push_back(ms);
  if (stats.frame_ms.size() > 240) stats.frame_ms.pop_front();
  if (pub.activity.rfind("sampling", 0) == 0 && stats.frames > 2) stats.sampling_ms.push_back(ms);
  // At most ~60 frames per second: the torch worker needs the CPU more than we need frames.
  const double budget_ms = 1000.0 / 60.0;
  const double spent = std::chrono::duration<double, std::milli>(now - frame_start).count();
  if (spent < budget_ms && animating) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(budget_ms - spent));
}

void Explorer::on_published() {
  if (pub.error_version != seen_error_) {
    seen_error_ = pub.error_version;
    if (!pub.error.empty()) {
      errors.push_back(pub.error);
      status_message = pub.error;
      status_error_job_ = pub.error_job;
      status_error_result_ = newest_result(pub.error_job);
      if (pub.error_job == "model" || pub.error_job == "device") model_error = pub.error;
    }
  }
  if (pub.message_version != seen_message_) {
    seen_message_ = pub.message_version;
    status_message = pub.message;
  }
  if (pub.model && pub.model->id != seen_model_) {
    seen_model_ = pub.model->id;
    model_error.clear();
    const ModelInfo& m = *pub.model;
    const int n = sampler.chains;
    sampler = m.defaults;
    sampler.chains = n;
    std::string note;
    if (std::find(m.precisions.begin(), m.precisions.end(), sampler.precision) == m.precisions.end()) {
      note = " (its precision " + sampler.precision + " does not run on " + m.device + ": exact instead)";
      sampler.precision = "exact";
    }
    sample_requested = false;
    threads_field = m.threads;
    std::snprintf(model_path_field, sizeof(model_path_field), "%s", m.path.c_str());
    status_message = "loaded " + m.path + note;
    config.add_recent(m.path);
    adopt_model_for_canvas(*this, m);
    chains.selected = -1;
    chains.step = 0;
    chains.follow = true;
    interp.dirty_live = interp.dirty_strip = true;
  }
  if (pub.model && pub.model->device != seen_device_) {
    seen_device_ = pub.model->device;
    const std::vector<std::string>& modes = pub.model->precisions;
    if (std::find(modes.begin(), modes.end(), sampler.precision) == modes.end()) {
      status_message = "precision " + sampler.precision + " does not run on " + seen_device_ + ": exact instead";
      sampler.precision = "exact";
    }
  }
  clear_superseded_error();
  // A finished reconstruction measures this model's reconstruction rate (the cost book).
  if (pub.recon && pub.recon->finished.load() && pub.recon->id != recon_measured_ && recon.requested) {
    recon_measured_ = pub.recon->id;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - recon_started_).count();
    session.costs.record(WorkKind::kReconStep, double(pub.recon->done.load()) * std::max(1, recon.sampler_used.steps), secs);
  }
  if (pub.image && pub.image->id != applied_image_) {
    applied_image_ = pub.image->id;
    apply_loaded_image(*this, *pub.image);
  }
  // Any sampler change re-runs the chains (the worker cancels the stale run within one step),
  // but not while a value is being typed (K = 100000 typed digit by digit is one run, on Enter),
  // and a costly run first asks (Session::request_run_if_changed).
  if (session.request_run_if_changed(typing)) {
    chains.follow = true;
    interp.dirty_live = interp.dirty_strip = true;
  }
}

// The id of the newest finished result of a worker job kind (0: none), to tell when a job that
// failed has since succeeded.
uint64_t Explorer::newest_result(const std::string& job) const {
  if (job == "sample" && pub.chains && pub.chains->finished.load()) return pub.chains->id;
  if (job == "reconstruction" && pub.recon && pub.recon->finished.load()) return pub.recon->id;
  if (job == "interpolation" && pub.interp_strip) return pub.interp_strip->id;
  if ((job == "model" || job == "device") && pub.model) return pub.model->id;
  return 0;
}

// An error belongs to the action that caused it: when that kind of job has since succeeded, the
// status bar's red line goes (a later message has already replaced it otherwise).
void Explorer::clear_superseded_error() {
  if (status_error_job_.empty()) return;
  const bool shown = !errors.empty() && status_message == errors.back();
  if (!shown) {
    status_error_job_.clear();
    return;
  }
  const uint64_t now = newest_result(status_error_job_);
  if (now != 0 && now != status_error_result_) {
    status_message = status_error_job_ == "sample" ? "run " + std::to_string(now) + " done" : status_error_job_ + " done";
    status_error_job_.clear();
  }
}

void Explorer::set_mala(bool on) {
  if (on == sampler.mala) return;
  sampler.mala = on;
  if (on) {
    clamp_before_mala = sampler.clamp;
    sampler.clamp = false;
    status_message = clamp_before_mala ? "MALA on: clamping to [-1,1] is off while MALA runs (it comes back when MALA is off)"
                                       : "MALA on (chains run unclamped)";
  } else {
    sampler.clamp = clamp_before_mala;
    status_message = clamp_before_mala ? "MALA off: clamping to [-1,1] is back on, as before MALA"
                                       : "MALA off: clamping stays off, as before MALA";
  }
}

void Explorer::decline_costly_run() {
  const std::string line = session.decline_costly_run();
  if (!line.empty()) status_message = line;
}

bool Explorer::stuck_job() const { return session.stuck_job(ImGui::GetTime()); }

void Explorer::abandon_worker() {
  const std::string what = session.abandon_worker();
  model_error = "the worker was stuck in " + what + " and was left behind; load a model to go on";
  errors.push_back(model_error);
  status_message = model_error;
}


void Explorer::shortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsKeyPressed(GLFW_KEY_F1, false)) show_help = !show_help;
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_O, false)) open_file_browser(*this, BrowseFor::kModel);
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_S, false)) export_grid_png();
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Z, false) && tab == Tab::kReconstruct) canvas.undo();
  if (io.WantTextInput) return;  // typing in a field: letters and arrows belong to it
  if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) toggle_play();
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) step_by(-1);
  if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) step_by(1);
  if (!io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_R, false)) rerun();
}

void Explorer::draw_ui() {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  // The status bar has a fixed two lines (jobs and frame rate; the message), so a message coming
  // or going never moves the windows above it.
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const bool is_error = !errors.empty() && status_message == errors.back();
  const float msg_w = ImGui::CalcTextSize(status_message.c_str()).x;
  const float status_h = line * 2.0f + ImGui::GetStyle().WindowPadding.y * 2 + 2;
  // A sidebar narrower than its controls is no use; wider than half the window leaves no room.
  // Until its edge is dragged it takes at most 30% of a narrow window (240 px of 800), so the
  // tabs keep room. Collapsed (the "<" at the tab bar's left), it leaves the whole width to the tabs.
  const float wanted = sidebar_dragged ? sidebar_width * ui_scale_
                                       : std::min(sidebar_width * ui_scale_, vp->WorkSize.x * 0.3f);
  const float sidebar = sidebar_collapsed ? 0.0f
                        : std::clamp(wanted, 220.0f * ui_scale_, std::max(220.0f * ui_scale_, vp->WorkSize.x * 0.5f));
  sidebar_shown_width = sidebar / ui_scale_;
  const float main_h = std::max(100.0f, vp->WorkSize.y - status_h);
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  if (!sidebar_collapsed) {
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(ImVec2(sidebar, main_h));
  ImGui::Begin("Shortrun", nullptr, fixed | ImGuiWindowFlags_NoScrollbar);
  // The controls scroll above; the job list has a fixed room at the bottom, so jobs coming and
  // going never move a control under the pointer.
  const float jobs_h = jobs_panel_height();
  ImGui::BeginChild("controls", ImVec2(0, -jobs_h), false);
  ImGui::PushTextWrapPos(0.0f);  // text wraps at the sidebar's edge rather than run under it
  draw_model_panel(*this);
  draw_sampler_panel(*this);
  draw_export_panel(*this);
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
  ImGui::BeginChild("jobs", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar);
  draw_jobs_panel(*this);
  ImGui::EndChild();
  ImGui::End();
  }

  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + sidebar, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x - sidebar, main_h));
  ImGui::Begin("Main", nullptr, fixed | ImGuiWindowFlags_NoTitleBar);
  ImGui::PushTextWrapPos(0.0f);  // a tab's text wraps at the window's edge rather than run off it (800 px)
  // Tabs that do not fit scroll, and the list button at the bar's left reaches every one of them
  // with a full-size click (at 800 px several tabs are off the bar).
  if (ImGui::BeginTabBar("tabs", ImGuiTabBarFlags_FittingPolicyScroll | ImGuiTabBarFlags_TabListPopupButton)) {
    if (ImGui::TabItemButton(sidebar_collapsed ? ">" : "<", ImGuiTabItemFlags_Leading | ImGuiTabItemFlags_NoTooltip))
      sidebar_collapsed = !sidebar_collapsed;
    tip(sidebar_collapsed ? "show the sidebar (model, sampler, export, jobs)" : "hide the sidebar: the whole width for the tabs");
    const char* names[] = {"Chains", "Interpolation", "Reconstruct"};
    // A switch asked for while a panel draws (Show its chain) takes effect on the next frame.
    const bool from_code = tab_from_code;
    tab_from_code = false;
    const int tabs = 3 + int(view_tabs.size());
    for (int i = 0; i < tabs; ++i) {
      const ImGuiTabItemFlags flags = (from_code && int(tab) == i) ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(i < 3 ? names[i] : view_tabs[i - 3]->title(), nullptr, flags)) {
        if (!from_code && !tab_from_code) tab = Tab(i);
        if (i == 0) draw_chains_panel(*this);
        if (i == 1) draw_interpolation_panel(*this);
        if (i == 2) draw_reconstruct_panel(*this);
        if (i >= 3) draw_view(i - 3);
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::PopTextWrapPos();
  ImGui::End();

  // The sidebar's right edge: drag to resize. A window of its own above the sidebar and the main
  // panel. Those two never come to the front when clicked, and ImGui puts such windows at the
  // back of the display order when it creates them; the edge must not be one of them (it was,
  // and the main panel covered it: issue 23, item 6), so it lacks NoBringToFrontOnFocus and stays
  // above both, below popups and the file chooser.
  if (!sidebar_collapsed) {
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + sidebar - 3, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(6, main_h));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::Begin("##sidebar_edge", nullptr, (fixed & ~ImGuiWindowFlags_NoBringToFrontOnFocus) | ImGuiWindowFlags_NoTitleBar |
                                               ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoScrollbar |
                                               ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::InvisibleButton("edge", ImVec2(6, main_h));
  if (ImGui::IsItemHovered() || ImGui::IsItemActive()) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
  if (ImGui::IsItemActive()) {
    if (!sidebar_dragged) sidebar_width = sidebar / ui_scale_;  // from the width shown
    sidebar_dragged = true;
    sidebar_width = std::max(220.0f, sidebar_width + ImGui::GetIO().MouseDelta.x / ui_scale_);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("drag to resize the sidebar");
  ImGui::End();
  ImGui::PopStyleVar();
  }

  // Status bar: the running job with its progress and queue, diverged chains, the last message
  // or error (wrapped), frame rate.
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - status_h));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, status_h));
  ImGui::Begin("Status", nullptr, fixed | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  const std::string fps = std::to_string(int(std::lround(stats.mean_fps(stats.frame_ms)))) + " fps   F1: help";
  const float fps_w = ImGui::CalcTextSize(fps.c_str()).x;
  const std::string jobs = jobs_status_line(pub.jobs);
  ImGui::TextUnformatted(jobs.c_str());
  float x = ImGui::GetItemRectSize().x + 24;
  if (pub.chains && pub.chains->diverged.load() > 0) {
    ImGui::SameLine(x);
    const std::string d = divergence_note(*pub.chains);
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", d.c_str());
    x += ImGui::GetItemRectSize().x + 24;
  }
  ImGui::SameLine(vp->WorkSize.x - fps_w - 16);
  ImGui::TextUnformatted(fps.c_str());
  // The message on its own line, cut at the window's edge (all of it in a tooltip).
  const float room = vp->WorkSize.x - 2 * ImGui::GetStyle().WindowPadding.x;
  if (is_error) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::PushClipRect(at, ImVec2(at.x + room, at.y + line), true);
  ImGui::TextUnformatted(status_message.c_str());
  ImGui::PopClipRect();
  if (is_error) ImGui::PopStyleColor();
  if (ImGui::IsItemHovered() && msg_w > room) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(std::min(ImGui::GetFontSize() * 40.0f, vp->WorkSize.x - 24.0f));
    ImGui::TextUnformatted(status_message.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  ImGui::End();
  draw_cost_prompt(*this);
  if (show_help) draw_help_window(*this);
  draw_file_browser(*this);
}

// ---- actions ----

void Explorer::load_model(const std::string& path) {
  if (open_toy_model(path)) return;
  status_message = "loading " + path;
  worker->load_model(path);
}

void Explorer::drop_file(const std::string& path) {
  if (is_model_path(path) || fs::is_directory(path)) {
    std::string p = path;
    try {
      p = resolve_model_path(path);
    } catch (const std::exception& e) {
      errors.push_back(e.what());
      status_message = model_error = e.what();
      return;
    }
    if (open_toy_model(p)) return;
    if (const std::string why = not_a_model_reason(p); !why.empty()) {
      errors.push_back(why);
      status_message = model_error = why;
      return;
    }
    load_model(p);
  } else if (is_image_path(path)) {
    tab = Tab::kReconstruct;
    tab_from_code = true;
    std::snprintf(recon.image_path, sizeof(recon.image_path), "%s", path.c_str());
    worker->load_image(path);
  } else {
    const std::string e = path + ": not a model (.safetensors, .pt, .pth) or an image (.png, .jpg, .npy)";
    errors.push_back(e);
    status_message = e;
  }
}

void Explorer::select_chain(int index) {
  const int n = pub.chains ? pub.chains->shape.n : 0;
  chains.selected = (index >= 0 && index < n) ? index : -1;
}

void Explorer::set_endpoint(char which, int chain) {
  if (which == 'a') {
    interp.seed_a = sampler.seed;
    interp.chain_a = chain;
  } else {
    interp.seed_b = sampler.seed;
    interp.chain_b = chain;
  }
  interp.dirty_live = interp.dirty_strip = true;
}

void Explorer::set_step(int step) {
  const int ready = pub.chains ? pub.chains->ready.load() : 0;
  chains.step = std::clamp(step, 0, std::max(0, ready - 1));
  chains.follow = false;
}

void Explorer::step_by(int delta) {
  chains.playing = false;
  set_step(chains.step + delta);
}

void Explorer::toggle_play() {
  chains.playing = !chains.playing;
  chains.follow = false;
  if (chains.playing && pub.chains && chains.step >= pub.chains->steps()) chains.step = 0;
}

void Explorer::rerun() {
  sample_requested = false;  // on_published posts it on the next frame
}

void Explorer::reset_sampler_defaults() {
  if (!pub.model) return;
  const int n = sampler.chains;
  sampler = pub.model->defaults;
  sampler.chains = n;
}

void Explorer::set_device(const std::string& device) {
  worker->set_device(device);
  rerun();  // the chains are sampled again on the new device
}

void Explorer::random_endpoints() {
  // New seeds from a counter so scripted sessions stay reproducible.
  static int draws = 0;
  ++draws;
  interp.seed_a = 1000 + 2 * draws;
  interp.seed_b = 1001 + 2 * draws;
  interp.chain_a = interp.chain_b = 0;
  interp.dirty_live = interp.dirty_strip = true;
}

void Explorer::start_reconstruction() {
  if (!pub.model) return;
  ReconRequest r;
  r.observed = canvas.pixels();
  r.mask = canvas.mask();
  r.iters = recon.iters;
  r.lr = recon.lr;
  r.chain = recon.chain;
  r.sampler = sampler;
  // Priced first: each iteration runs the K-step chain forward and back (about 3 chain-steps a step).
  const double secs = session.costs.seconds(WorkKind::kReconStep, double(r.iters) * std::max(1, r.sampler.steps));
  const std::string what = "Reconstruct: " + count_of(r.iters, "iteration") + " through K = " + std::to_string(r.sampler.steps) +
                           " steps";
  session.run_or_ask(what, secs, [this, r] {
    recon.requested = true;
    recon.sampler_used = r.sampler;
    recon_started_ = std::chrono::steady_clock::now();
    worker->reconstruct(r);
  });
}

void Explorer::show_reconstruction_chain() {
  if (!pub.recon || !pub.recon->finished.load() || pub.recon->z.empty()) {
    status_message = "no finished reconstruction to show";
    return;
  }
  SamplerSettings s = recon.requested ? recon.sampler_used : sampler;  // the chain the reconstruction ran through
  s.chains = sampler.chains;
  s.seed = int(pub.recon->seed);
  worker->sample_from_z(s, pub.recon->z, pub.recon->chain);
  requested_sampler = sampler;  // keep on_published from re-running the grid over it
  sample_requested = true;
  chains.selected = 0;
  chains.follow = true;
  tab = Tab::kChains;
  tab_from_code = true;
}

bool Explorer::capture_window(std::vector<uint8_t>* rgba, int* w, int* h) {
  glfwGetFramebufferSize(window_, w, h);
  if (*w <= 0 || *h <= 0) return false;
  rgba->assign(size_t(*w) * *h * 4, 0);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, *w, *h, GL_RGBA, GL_UNSIGNED_BYTE, rgba->data());
  // GL rows run bottom-up; PNG rows top-down.
  const size_t row = size_t(*w) * 4;
  std::vector<uint8_t> tmp(row);
  for (int y = 0; y < *h / 2; ++y) {
    uint8_t* a = rgba->data() + size_t(y) * row;
    uint8_t* b = rgba->data() + size_t(*h - 1 - y) * row;
    std::copy(a, a + row, tmp.data());
    std::copy(b, b + row, a);
    std::copy(tmp.data(), tmp.data() + row, b);
  }
  for (size_t i = 3; i < rgba->size(); i += 4) (*rgba)[i] = 255;
  return true;
}

bool Explorer::screenshot(const std::string& path) {
  std::vector<uint8_t> rgba;
  int w = 0, h = 0;
  if (!capture_window(&rgba, &w, &h)) {
    std::fprintf(stderr, "shortrun-explorer: %s: the window has no pixels to capture\n", path.c_str());
    return false;
  }
  std::vector<uint8_t> png;
  stbi_write_png_to_func([](void* ctx, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(ctx);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &png, w, h, 4, rgba.data(), w * 4);
  try {
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent);
    write_file_atomic(path, [&](std::ostream& out) { out.write(reinterpret_cast<const char*>(png.data()), png.size()); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shortrun-explorer: %s\n", e.what());
    return false;
  }
  return true;
}

double Explorer::seconds_since_start() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

}  // namespace shortrun::explorer

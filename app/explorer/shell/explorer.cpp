// Explorer: the frame loop, what the worker published each frame (errors, a new model),
// keyboard shortcuts, and the layout of sidebar, tabs and status bar. The window is AppWindow's,
// the tabs ViewHost's, the script names controls.cpp's, the actions actions.cpp's.
#include "shell/explorer.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "shell/script.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/model_paths.h"
#include "worker/jobs_text.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

Explorer::Explorer(ExplorerOptions opts) : options(std::move(opts)), config(options.config_dir) {
  session.sampler.chains = std::clamp(options.chains, 1, 256);
  check_script_names(*this);
  if (!options.tab.empty() && !views.show(options.tab)) throw Error("unknown tab '" + options.tab + "'");
  window = std::make_unique<AppWindow>(options.width, options.height, config.imgui_ini_path(),
                                       [this](std::vector<std::string> paths) { drop_files(*this, paths); });
  colormap = std::make_unique<ColormapPass>();
  uploader = make_texture_upload(worker_options_for(options).device_frames);
  if (!options.script.empty()) {
    script_ = std::make_unique<ScriptRunner>(options.script);
    // Park the pointer in the status bar so no hover tooltip lands in scripted screenshots.
    window->park_pointer(4.0, double(options.height) - 4.0);
  }
  std::string model = options.model;
  try {
    model = resolve_model_path(options.model);
  } catch (const std::exception& e) {
    model_panel.error = e.what();
    log.errors.push_back(e.what());
  }
  if (!model.empty()) load_model(*this, model);
}

Explorer::~Explorer() {
  session.view_jobs.reset();
  session.worker.reset();  // joins the worker before GL objects and the window go
  views.release_gl();
  colormap.reset();
  uploader.reset();
  window.reset();
}

int Explorer::run() {
  last_frame_ = std::chrono::steady_clock::now();
  while (!quit_ && !window->should_close()) frame();
  if (!options.dump_state.empty()) {
    try {
      write_file_atomic(options.dump_state, [&](std::ostream& out) { out << explorer_state(*this).dump(2) << "\n"; });
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
  const bool animating = !session.worker->idle() || !session.view_jobs->idle() || views.animating() || scripted ||
                         options.frames > 0 || window->input().pending();
  window->poll(animating);
  typing = ImGui::GetIO().WantTextInput;
  session.refresh();
  on_published();
  ViewContext ctx = view_context(*this);
  views.update(ctx);
  if (const auto [line, version] = session.view_jobs->error(); version != seen_view_error_) {
    seen_view_error_ = version;
    log.error(line);
  }

  window->new_frame();
  begin_layout_frame();
  shortcuts(ctx);
  draw_ui(ctx);
  layout = laid_out_items();
  hovered_tip = hovered_tip_text();
  if (script_ && !script_->step(*this)) {
    if (!script_->error().empty()) {
      std::fprintf(stderr, "shortrun-explorer: script: %s\n", script_->error().c_str());
      quit(1);
    }
    script_.reset();
    frames_after_script_ = 0;
  }
  window->end_frame();
  const auto built = std::chrono::steady_clock::now();
  window->render();
  if (!pending_screenshot_.empty()) {
    if (!window->screenshot(pending_screenshot_)) quit(1);
    pending_screenshot_.clear();
  }
  // --frames N: N frames after the script (or from the start), then the screenshot and exit.
  // A script run ends with the script unless --stay keeps the window open.
  const bool script_run = !options.script.empty() && !options.stay;
  if (!script_ && (options.frames > 0 || !options.screenshot.empty() || script_run)) {
    if (++frames_after_script_ >= std::max(options.frames, 1)) {
      if (!options.screenshot.empty() && !window->screenshot(options.screenshot)) exit_code_ = 1;
      quit_ = true;
    }
  }
  window->swap();

  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - last_frame_).count();
  last_frame_ = now;
  stats.add(ms, std::chrono::duration<double, std::milli>(built - frame_start).count(),
            std::chrono::duration<double, std::milli>(now - built).count(), session.pub.activity.rfind("sampling", 0) == 0);
  // At most ~60 frames per second: the torch worker needs the CPU more than we need frames.
  const double budget_ms = 1000.0 / 60.0;
  const double spent = std::chrono::duration<double, std::milli>(now - frame_start).count();
  if (spent < budget_ms && animating) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(budget_ms - spent));
}

void Explorer::on_published() {
  const Published& pub = session.pub;
  if (pub.error_version != seen_error_) {
    seen_error_ = pub.error_version;
    if (!pub.error.empty()) {
      log.job_error(pub, pub.error_job, pub.error);
      if (pub.error_job == "model" || pub.error_job == "device") model_panel.error = pub.error;
    }
  }
  if (pub.message_version != seen_message_) {
    seen_message_ = pub.message_version;
    log.say(pub.message);
  }
  if (pub.model && pub.model->id != seen_model_) {
    seen_model_ = pub.model->id;
    const std::string note = session.adopt_model(*pub.model);
    model_panel.model_loaded(*pub.model);
    log.say("loaded " + pub.model->path + note);
    config.add_recent(pub.model->path);
  }
  if (const std::string line = session.check_device_precision(); !line.empty()) log.say(line);
  log.clear_superseded(pub);
  // Any sampler change re-runs the chains (the worker cancels the stale run within one step),
  // but not while a value is being typed (K = 100000 typed digit by digit is one run, on Enter),
  // and a costly run first asks (Session::request_run_if_changed).
  session.request_run_if_changed(typing);
}

bool Explorer::stuck_job() const { return session.stuck_job(ImGui::GetTime()); }

void Explorer::shortcuts(ViewContext& ctx) {
  ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsKeyPressed(GLFW_KEY_F1, false)) show_help = !show_help;
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_O, false)) browse_model(*this);
  if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_S, false)) press(*this, "export_grid");
  views.shown().shortcuts(ctx);
  if (io.WantTextInput) return;  // typing in a field: letters and arrows belong to it
  if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) press(*this, "toggle_play");
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) press(*this, "step_back");
  if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) press(*this, "step_forward");
  if (!io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_R, false)) press(*this, "rerun");
}

void Explorer::draw_ui(ViewContext& ctx) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const float ui_scale = window->ui_scale();
  // The status bar has a fixed two lines (jobs and frame rate; the message), so a message coming
  // or going never moves the windows above it.
  const float status_h = ImGui::GetTextLineHeightWithSpacing() * 2.0f + ImGui::GetStyle().WindowPadding.y * 2 + 2;
  // A sidebar narrower than its controls is no use; wider than half the window leaves no room.
  // Until its edge is dragged it takes at most 30% of a narrow window (240 px of 800), so the
  // tabs keep room. Collapsed (the "<" at the tab bar's left), it leaves the whole width to the tabs.
  const float wanted = sidebar.dragged ? sidebar.width * ui_scale : std::min(sidebar.width * ui_scale, vp->WorkSize.x * 0.3f);
  const float width = sidebar.collapsed ? 0.0f
                      : std::clamp(wanted, 220.0f * ui_scale, std::max(220.0f * ui_scale, vp->WorkSize.x * 0.5f));
  sidebar.shown_width = width / ui_scale;
  const float main_h = std::max(100.0f, vp->WorkSize.y - status_h);
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  if (!sidebar.collapsed) draw_sidebar(ctx, width, main_h);

  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + width, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x - width, main_h));
  ImGui::Begin("Main", nullptr, fixed | ImGuiWindowFlags_NoTitleBar);
  ImGui::PushTextWrapPos(0.0f);  // a tab's text wraps at the window's edge rather than run off it (800 px)
  // Tabs that do not fit scroll, and the list button at the bar's left reaches every one of them
  // with a full-size click (at 800 px several tabs are off the bar).
  if (ImGui::BeginTabBar("tabs", ImGuiTabBarFlags_FittingPolicyScroll | ImGuiTabBarFlags_TabListPopupButton)) {
    if (ImGui::TabItemButton(sidebar.collapsed ? ">" : "<", ImGuiTabItemFlags_Leading | ImGuiTabItemFlags_NoTooltip))
      sidebar.collapsed = !sidebar.collapsed;
    tip(sidebar.collapsed ? "show the sidebar (model, sampler, export, jobs)" : "hide the sidebar: the whole width for the tabs");
    views.draw_tabs(ctx);
    ImGui::EndTabBar();
  }
  ImGui::PopTextWrapPos();
  ImGui::End();
  if (!sidebar.collapsed) draw_sidebar_edge(width, main_h);
  draw_status_bar(status_h);
  draw_cost_prompt(ctx);
  if (show_help) draw_help_window(&show_help);
  draw_file_browser(browser, config);
}

void Explorer::draw_sidebar(ViewContext& ctx, float width, float height) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(ImVec2(width, height));
  ImGui::Begin("Shortrun", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                        ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                        ImGuiWindowFlags_NoScrollbar);
  // The controls scroll above; the job list has a fixed room at the bottom, so jobs coming and
  // going never move a control under the pointer.
  ImGui::BeginChild("controls", ImVec2(0, -JobsPanel::height()), false);
  ImGui::PushTextWrapPos(0.0f);  // text wraps at the sidebar's edge rather than run under it
  model_panel.draw(ctx);
  if (const ModelInfo* m = session.pub.model.get(); m && !m->is_ebm()) {
    // The sampler's K, step size and noise are a Langevin chain's: a VAE or GAN has none.
    if (ImGui::CollapsingHeader("Sampler", ImGuiTreeNodeFlags_DefaultOpen))
      ImGui::TextDisabled("needs an energy model: the loaded %s draws z ~ N(0, I) through its %s", m->kind_name.c_str(),
                          m->kind == "vae" ? "decoder" : "generator");
  } else {
    sampler_panel.draw(ctx);
  }
  export_panel.draw(ctx);
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
  ImGui::BeginChild("jobs", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar);
  jobs_panel.draw(ctx);
  ImGui::EndChild();
  ImGui::End();
}

// The sidebar's right edge: drag to resize. A window of its own above the sidebar and the main
// panel. Those two never come to the front when clicked, and ImGui puts such windows at the
// back of the display order when it creates them; the edge must not be one of them (it was,
// and the main panel covered it: issue 23, item 6), so it lacks NoBringToFrontOnFocus and stays
// above both, below popups and the file chooser.
void Explorer::draw_sidebar_edge(float width, float height) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const float ui_scale = window->ui_scale();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + width - 3, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(6, height));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::Begin("##sidebar_edge", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                              ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoTitleBar |
                                              ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoScrollbar |
                                              ImGuiWindowFlags_NoFocusOnAppearing);
  ImGui::InvisibleButton("edge", ImVec2(6, height));
  if (ImGui::IsItemHovered() || ImGui::IsItemActive()) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
  if (ImGui::IsItemActive()) {
    if (!sidebar.dragged) sidebar.width = width / ui_scale;  // from the width shown
    sidebar.dragged = true;
    sidebar.width = std::max(220.0f, sidebar.width + ImGui::GetIO().MouseDelta.x / ui_scale);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("drag to resize the sidebar");
  ImGui::End();
  ImGui::PopStyleVar();
}

// The running job with its progress and queue, diverged chains, the frame rate; under them the
// last message or error, cut at the window's edge (all of it in a tooltip).
void Explorer::draw_status_bar(float height) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const Published& pub = session.pub;
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - height));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, height));
  ImGui::Begin("Status", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                      ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                      ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  const std::string fps = std::to_string(int(std::lround(stats.mean_fps(stats.frame_ms)))) + " fps   F1: help";
  const float fps_w = ImGui::CalcTextSize(fps.c_str()).x;
  ImGui::TextUnformatted(jobs_status_line(pub.jobs).c_str());
  const float x = ImGui::GetItemRectSize().x + 24;
  if (pub.chains && pub.chains->diverged.load() > 0) {
    ImGui::SameLine(x);
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", divergence_note(*pub.chains).c_str());
  }
  ImGui::SameLine(vp->WorkSize.x - fps_w - 16);
  ImGui::TextUnformatted(fps.c_str());
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float room = vp->WorkSize.x - 2 * ImGui::GetStyle().WindowPadding.x;
  const bool is_error = log.showing_error();
  if (is_error) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::PushClipRect(at, ImVec2(at.x + room, at.y + line), true);
  ImGui::TextUnformatted(log.message.c_str());
  ImGui::PopClipRect();
  if (is_error) ImGui::PopStyleColor();
  if (ImGui::IsItemHovered() && ImGui::CalcTextSize(log.message.c_str()).x > room) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(std::min(ImGui::GetFontSize() * 40.0f, vp->WorkSize.x - 24.0f));
    ImGui::TextUnformatted(log.message.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  ImGui::End();
}

double Explorer::seconds_since_start() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

}  // namespace shortrun::explorer

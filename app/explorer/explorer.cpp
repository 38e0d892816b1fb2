// Explorer: window and ImGui set-up, the frame loop, keyboard shortcuts, drag-and-drop,
// screenshots and state dumps. Panels live in panel_*.cpp, script replay in script.cpp.
#include "explorer.h"

#include <GL/glew.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
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

#include "export_jobs.h"
#include "recon_inputs.h"
#include "script.h"
#include "shortrun/error.h"
#include "shortrun/file_util.h"
#include "shortrun/model_paths.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {
std::string g_glfw_error;
void on_glfw_error(int, const char* description) { g_glfw_error = description ? description : "unknown error"; }

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* ex = static_cast<Explorer*>(glfwGetWindowUserPointer(window));
  for (int i = 0; i < count; ++i) ex->drop_file(paths[i]);
}

bool is_model_file(const std::string& path) {
  const std::string ext = lowercase_extension(path);
  return ext == ".safetensors" || ext == ".pt" || ext == ".pth" || ext == ".pts" || ext == ".ckpt";
}
bool is_image_file(const std::string& path) {
  const std::string ext = lowercase_extension(path);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".npy" || ext == ".bmp";
}
}  // namespace

void tip(const char* text) {
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

double FrameStats::mean_fps(const std::deque<double>& ms) const {
  if (ms.empty()) return 0;
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / double(ms.size());
  return mean > 0 ? 1000.0 / mean : 0;
}

Explorer::Explorer(ExplorerOptions opts) : options(std::move(opts)), config(options.config_dir) {
  sampler.chains = std::clamp(options.chains, 1, 256);
  if (options.tab == "interpolation") tab = Tab::kInterpolation;
  if (options.tab == "reconstruct") tab = Tab::kReconstruct;
  init_window();
  init_imgui();
  colormap = std::make_unique<ColormapPass>();
  views = std::make_unique<Views>();
  WorkerOptions wo;
  wo.device = options.device;
  wo.threads = options.threads;
#ifdef SHORTRUN_WITH_CUDA
  wo.device_frames = options.interop && options.device != "cpu";
#endif
  uploader = make_texture_upload(wo.device_frames);
  worker = std::make_unique<Worker>(wo);
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
  worker.reset();  // joins the worker before GL objects and the window go
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
  const bool animating = chains.playing || !worker->idle() || script_ || options.frames > 0 || canvas.stroking();
  if (animating) glfwPollEvents();
  else glfwWaitEventsTimeout(0.25);  // idle: wake for input, and now and then for the worker
  pub = worker->published();
  on_published();

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  shortcuts();
  draw_ui();
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
    sample_requested = false;
    threads_field = m.threads;
    std::snprintf(model_path_field, sizeof(model_path_field), "%s", m.path.c_str());
    status_message = "loaded " + m.path;
    config.add_recent(m.path);
    adopt_model_for_canvas(*this, m);
    chains.selected = -1;
    chains.step = 0;
    chains.follow = true;
    interp.dirty_live = interp.dirty_strip = true;
  }
  if (pub.image && pub.image->id != applied_image_) {
    applied_image_ = pub.image->id;
    apply_loaded_image(*this, *pub.image);
  }
  // Any sampler change re-runs the chains (the worker cancels the stale run within one step).
  if (pub.model && (!sample_requested || sampler != requested_sampler)) {
    requested_sampler = sampler;
    sample_requested = true;
    chains.follow = true;
    worker->sample(sampler);
    interp.dirty_live = interp.dirty_strip = true;
  }
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
  const float sidebar = 330.0f * ui_scale_;
  const float status_h = ImGui::GetFrameHeightWithSpacing() + 6.0f;
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                                 ImGuiWindowFlags_NoSavedSettings;
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(ImVec2(sidebar, vp->WorkSize.y - status_h));
  ImGui::Begin("Shortrun", nullptr, fixed);
  draw_model_panel(*this);
  draw_sampler_panel(*this);
  draw_export_panel(*this);
  ImGui::End();

  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + sidebar, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x - sidebar, vp->WorkSize.y - status_h));
  ImGui::Begin("Main", nullptr, fixed | ImGuiWindowFlags_NoTitleBar);
  if (ImGui::BeginTabBar("tabs")) {
    const char* names[] = {"Chains", "Interpolation", "Reconstruct"};
    // A switch asked for while a panel draws (Show its chain) takes effect on the next frame.
    const bool from_code = tab_from_code;
    tab_from_code = false;
    for (int i = 0; i < 3; ++i) {
      const ImGuiTabItemFlags flags = (from_code && int(tab) == i) ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(names[i], nullptr, flags)) {
        if (!from_code && !tab_from_code) tab = Tab(i);
        if (i == 0) draw_chains_panel(*this);
        if (i == 1) draw_interpolation_panel(*this);
        if (i == 2) draw_reconstruct_panel(*this);
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::End();

  // Status bar: worker activity, the last message or error, frame rate.
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - status_h));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, status_h));
  ImGui::Begin("Status", nullptr, fixed | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  ImGui::Text("%s", pub.activity.empty() ? "idle" : pub.activity.c_str());
  ImGui::SameLine(260 * ui_scale_);
  const bool is_error = !errors.empty() && status_message == errors.back();
  if (is_error) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
  ImGui::TextUnformatted(status_message.c_str());
  if (is_error) ImGui::PopStyleColor();
  const std::string fps = std::to_string(int(std::lround(stats.mean_fps(stats.frame_ms)))) + " fps   F1: help";
  ImGui::SameLine(vp->WorkSize.x - ImGui::CalcTextSize(fps.c_str()).x - 16);
  ImGui::TextUnformatted(fps.c_str());
  ImGui::End();
  if (show_help) draw_help_window(*this);
  draw_file_browser(*this);
}

// ---- actions ----

void Explorer::load_model(const std::string& path) {
  status_message = "loading " + path;
  worker->load_model(path);
}

void Explorer::drop_file(const std::string& path) {
  if (is_model_file(path) || fs::is_directory(path)) {
    std::string p = path;
    try {
      p = resolve_model_path(path);
    } catch (const std::exception& e) {
      errors.push_back(e.what());
      status_message = model_error = e.what();
      return;
    }
    load_model(p);
  } else if (is_image_file(path)) {
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
  recon.requested = true;
  recon.sampler_used = sampler;
  worker->reconstruct(r);
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

nlohmann::json Explorer::state() const {
  nlohmann::json j;
  j["tab"] = tab == Tab::kChains ? "chains" : tab == Tab::kInterpolation ? "interpolation" : "reconstruct";
  j["sampler"] = settings_json(sampler);
  j["errors"] = errors;
  j["model_error"] = model_error;
  j["status"] = status_message;
  j["upload"] = uploader ? uploader->name() : "";
  j["shaders"] = colormap ? colormap->origin() : "";
  j["recent"] = config.recent();
  j["config_dir"] = config.dir();
  if (pub.model) {
    const ModelInfo& m = *pub.model;
    j["model"] = {{"path", m.path},
                  {"source", m.source},
                  {"architecture", m.architecture},
                  {"parameters", m.parameters},
                  {"shape", {m.shape.c, m.shape.h, m.shape.w}},
                  {"device", m.device},
                  {"threads", m.threads},
                  {"defaults", settings_json(m.defaults)},
                  {"band", m.band.valid ? nlohmann::json{{"mean", m.band.mean}, {"std", m.band.std}, {"count", m.band.count},
                                                         {"source", m.band.source}}
                                        : nlohmann::json{{"note", m.band.note}}}};
  }
  if (pub.chains) {
    const ChainRun& r = *pub.chains;
    const int ready = r.ready.load();
    nlohmann::json c = {{"run", r.id},           {"n", r.shape.n},   {"steps", r.steps()}, {"ready", ready},
                        {"finished", r.finished.load()}, {"cancelled", r.cancelled.load()}, {"seconds", r.seconds.load()},
                        {"custom_init", r.custom_init}, {"settings", settings_json(r.settings)}};
    if (ready > 0) {
      const int last = ready - 1;
      const std::vector<float>& e = r.energy[last];
      c["energy_last"] = std::accumulate(e.begin(), e.end(), 0.0) / double(e.size());
      c["energy_first"] = std::accumulate(r.energy[0].begin(), r.energy[0].end(), 0.0) / double(r.energy[0].size());
      // Mean |x_last − x_0| per pixel: how far the chains moved from their noise.
      double moved = 0;
      for (size_t i = 0; i < r.frames[last].size(); ++i) moved += std::fabs(r.frames[last][i] - r.frames[0][i]);
      c["moved_from_noise"] = moved / double(std::max<size_t>(1, r.frames[last].size()));
      c["energy_per_chain_last"] = e;
    }
    j["chains"] = c;
  }
  j["view"] = {{"step", chains.step},     {"playing", chains.playing}, {"selected", chains.selected},
               {"follow", chains.follow}, {"shown_step", chains.shown_step}, {"shown_run", chains.shown_run},
               {"slider_max", chains.slider_max}, {"heat_step", chains.heat_step}, {"heat_norm", chains.heat_norm},
               {"dx_shown", chains.dx_shown}};
  nlohmann::json in = {{"seed_a", interp.seed_a}, {"chain_a", interp.chain_a}, {"seed_b", interp.seed_b},
                       {"chain_b", interp.chain_b}, {"rho", interp.rho}, {"path", interp.path == 0 ? "linear" : "spherical"},
                       {"noise", interp.noise == 0 ? "fixed" : interp.noise == 1 ? "mixed" : "off"}, {"points", interp.points}};
  if (pub.interp_live)
    in["live"] = {{"rho", pub.interp_live->rho}, {"energy", pub.interp_live->energy}, {"seconds", pub.interp_live->seconds}};
  if (pub.interp_strip) in["strip"] = {{"rho", pub.interp_strip->rho}, {"energy", pub.interp_strip->energy}};
  j["interpolation"] = in;
  nlohmann::json rc = {{"canvas_version", canvas.version()}, {"undo_depth", canvas.undo_depth()},
                       {"observed_fraction", canvas.observed_fraction()}, {"iters", recon.iters}};
  double ink = 0;
  for (float v : canvas.pixels()) ink += (v + 1.0) / 2.0;
  rc["canvas_mean"] = canvas.pixels().empty() ? 0.0 : ink / double(canvas.pixels().size());
  if (pub.image) rc["image"] = {{"path", pub.image->path}, {"note", pub.image->note}};
  rc["inputs"] = recon_inputs_state(*this);
  if (const ReconRun* shown = shown_reconstruction(*this)) {
    const ReconRun& r = *shown;
    const int done = r.done.load();
    rc["run"] = {{"done", done}, {"finished", r.finished.load()}, {"cancelled", r.cancelled.load()},
                 {"mse_first", r.curve[0]}, {"mse_last", r.curve[std::min<size_t>(done, r.curve.size() - 1)]}};
  }
  j["reconstruct"] = rc;
  j["browser"] = browser_state(*this);
  const auto mean = [](const std::deque<double>& v) {
    return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  };
  j["fps"] = {{"mean_recent", stats.mean_fps(stats.frame_ms)}, {"frames", stats.frames},
              {"build_ms", mean(stats.build_ms)}, {"draw_ms", mean(stats.draw_ms)},
              {"first_image_s", stats.first_image_s}};
  if (!stats.sampling_ms.empty()) {
    std::vector<double> s = stats.sampling_ms;
    std::sort(s.begin(), s.end());
    const double mean = std::accumulate(s.begin(), s.end(), 0.0) / double(s.size());
    j["fps"]["while_sampling"] = {{"frames", s.size()}, {"mean_fps", 1000.0 / mean},
                                  {"p95_frame_ms", s[size_t(0.95 * double(s.size() - 1))]}};
  }
  j["worker"] = {{"activity", pub.activity}, {"queued", pub.queued}, {"idle", worker->idle()}};
  return j;
}

}  // namespace shortrun::explorer

// AppWindow (app_window.h): GLFW + GL 3.3 + GLEW + ImGui set-up and teardown, and screenshots.
#include "shell/app_window.h"

#include <GL/glew.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {
std::string g_glfw_error;
void on_glfw_error(int, const char* description) { g_glfw_error = description ? description : "unknown error"; }

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* w = static_cast<AppWindow*>(glfwGetWindowUserPointer(window));
  w->drop(std::vector<std::string>(paths, paths + count));
}
}  // namespace

AppWindow::AppWindow(int width, int height, const std::string& ini_path, std::function<void(std::vector<std::string>)> on_drop_files)
    : ini_path_(ini_path), on_drop_(std::move(on_drop_files)) {
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
  window_ = glfwCreateWindow(width, height, "Shortrun Explorer", nullptr, nullptr);
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

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
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

AppWindow::~AppWindow() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

void AppWindow::drop(std::vector<std::string> paths) {
  if (on_drop_) on_drop_(std::move(paths));
}

bool AppWindow::should_close() const { return glfwWindowShouldClose(window_); }

void AppWindow::poll(bool animating) {
  if (animating) glfwPollEvents();
  else glfwWaitEventsTimeout(0.25);  // idle: wake for input, and now and then for the worker
  input_.feed();  // every queued press reaches a frame of its own
}

void AppWindow::new_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void AppWindow::end_frame() { ImGui::Render(); }

void AppWindow::render() {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0.08f, 0.09f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void AppWindow::swap() { glfwSwapBuffers(window_); }

void AppWindow::size(int* w, int* h) const { glfwGetWindowSize(window_, w, h); }
bool AppWindow::focused() const { return glfwGetWindowAttrib(window_, GLFW_FOCUSED) != 0; }
void AppWindow::park_pointer(double x, double y) { glfwSetCursorPos(window_, x, y); }

bool AppWindow::capture(std::vector<uint8_t>* rgba, int* w, int* h) {
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

bool AppWindow::screenshot(const std::string& path) {
  std::vector<uint8_t> rgba;
  int w = 0, h = 0;
  if (!capture(&rgba, &w, &h)) {
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

}  // namespace shortrun::explorer

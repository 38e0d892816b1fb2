// The explorer's window: GLFW with an OpenGL 3.3 core context, GLEW, the ImGui context with its
// GLFW/GL3 backends, the queue of real input events on top of them, file drops, and the window's
// pixels as a PNG (screenshots and the Window PNG export).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "shell/input_queue.h"

struct GLFWwindow;

namespace shortrun::explorer {

class AppWindow {
 public:
  // Opens the window; throws shortrun::Error with what to do when there is no display or GL.
  // `ini_path` is ImGui's settings file ("" none); dropped files go to `on_drop`.
  AppWindow(int width, int height, const std::string& ini_path, std::function<void(std::vector<std::string>)> on_drop);
  ~AppWindow();
  AppWindow(const AppWindow&) = delete;
  AppWindow& operator=(const AppWindow&) = delete;

  GLFWwindow* glfw() const { return window_; }
  float ui_scale() const { return ui_scale_; }
  bool should_close() const;
  // Waits for events: polling while animating, else sleeping until input (or 0.25 s).
  void poll(bool animating);
  void new_frame();
  void end_frame();  // the UI is built: ImGui's draw data is final
  // Draws ImGui's draw data over a cleared framebuffer (the swap is separate, after a screenshot).
  void render();
  void swap();
  // The back buffer as a PNG at `path` (atomic); false, with a line on stderr, if it fails.
  bool screenshot(const std::string& path);
  InputQueue& input() { return input_; }
  const InputQueue& input() const { return input_; }
  // The window's size in screen pixels, and whether it has the focus (state dumps).
  void size(int* w, int* h) const;
  bool focused() const;
  void park_pointer(double x, double y);  // moves the pointer (scripts park it in the status bar)
  void drop(std::vector<std::string> paths);  // GLFW's drop callback lands here

 private:
  bool capture(std::vector<uint8_t>* rgba, int* w, int* h);
  GLFWwindow* window_ = nullptr;
  std::string ini_path_;
  float ui_scale_ = 1.0f;
  InputQueue input_;
  std::function<void(std::vector<std::string>)> on_drop_;
};

}  // namespace shortrun::explorer

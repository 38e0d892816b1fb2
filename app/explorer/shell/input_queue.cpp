// InputQueue: GLFW callbacks that queue, and a per-frame feed into the ImGui backend.
#include "shell/input_queue.h"

#include <GLFW/glfw3.h>

#include <set>
#include <utility>

namespace shortrun::explorer {

namespace {
// One window per process: the queue and the backend's callbacks we forward to.
InputQueue* g_queue = nullptr;
GLFWkeyfun g_key = nullptr;
GLFWcharfun g_char = nullptr;
GLFWmousebuttonfun g_button = nullptr;
GLFWscrollfun g_scroll = nullptr;

void on_key(GLFWwindow*, int key, int scancode, int action, int mods) {
  if (g_queue) g_queue->push({InputQueue::Event::kKey, key, scancode, action, mods});
}
void on_char(GLFWwindow*, unsigned int c) {
  InputQueue::Event e{InputQueue::Event::kChar};
  e.codepoint = c;
  if (g_queue) g_queue->push(e);
}
void on_button(GLFWwindow*, int button, int action, int mods) {
  if (g_queue) g_queue->push({InputQueue::Event::kMouseButton, button, action, mods});
}
void on_scroll(GLFWwindow*, double dx, double dy) {
  InputQueue::Event e{InputQueue::Event::kScroll};
  e.dx = dx;
  e.dy = dy;
  if (g_queue) g_queue->push(e);
}
}  // namespace

void InputQueue::install(GLFWwindow* window) {
  window_ = window;
  g_queue = this;
  g_key = glfwSetKeyCallback(window, on_key);
  g_char = glfwSetCharCallback(window, on_char);
  g_button = glfwSetMouseButtonCallback(window, on_button);
  g_scroll = glfwSetScrollCallback(window, on_scroll);
}

namespace {
bool is_modifier(int key) {
  return key == GLFW_KEY_LEFT_CONTROL || key == GLFW_KEY_RIGHT_CONTROL || key == GLFW_KEY_LEFT_SHIFT ||
         key == GLFW_KEY_RIGHT_SHIFT || key == GLFW_KEY_LEFT_ALT || key == GLFW_KEY_RIGHT_ALT ||
         key == GLFW_KEY_LEFT_SUPER || key == GLFW_KEY_RIGHT_SUPER;
}
}  // namespace

void InputQueue::feed() {
  feed([this](const Event& e) {
    switch (e.type) {
      case Event::kKey:
        if (g_key) g_key(window_, e.a, e.b, e.c, e.d);
        break;
      case Event::kChar:
        if (g_char) g_char(window_, e.codepoint);
        break;
      case Event::kMouseButton:
        if (g_button) g_button(window_, e.a, e.b, e.c);
        break;
      case Event::kScroll:
        if (g_scroll) g_scroll(window_, e.dx, e.dy);
        break;
    }
  });
}

void InputQueue::feed(const std::function<void(const Event&)>& deliver) {
  // Keys and buttons already changed this frame: (0, key) or (1, button).
  std::set<std::pair<int, int>> touched;
  bool pressed_key = false;  // a non-modifier key went down this frame
  while (!events_.empty()) {
    const Event e = events_.front();
    if (e.type == Event::kKey || e.type == Event::kMouseButton) {
      // Key repeats carry no new state; anything else for a touched key waits a frame.
      const std::pair<int, int> id{e.type == Event::kKey ? 0 : 1, e.a};
      const int action = e.type == Event::kKey ? e.c : e.b;
      // A modifier let go in the frame its shortcut's key went down would hide the shortcut
      // (xdotool sends Ctrl↓ S↓ Ctrl↑ S↑): the release waits for the next frame.
      if (e.type == Event::kKey && action == GLFW_RELEASE && is_modifier(e.a) && pressed_key) break;
      if (action != GLFW_REPEAT && !touched.insert(id).second) break;
      if (e.type == Event::kKey && action == GLFW_PRESS && !is_modifier(e.a)) pressed_key = true;
    }
    events_.pop_front();
    deliver(e);
  }
}

}  // namespace shortrun::explorer

// Input trickling for ImGui 1.86, whose GLFW backend keeps only each key's current state: a
// press and a release that arrive between two frames (five quick → presses, Enter in a field)
// would never be seen. GLFW events are queued here and handed to the backend a frame at a
// time, stopping before any key or button that already changed in this frame, and before a
// modifier's release in a frame that pressed a key (Ctrl+S whose Ctrl goes up first, within a
// millisecond, still reaches the frame as Ctrl held with S pressed).
#pragma once
#include <deque>
#include <functional>

struct GLFWwindow;

namespace shortrun::explorer {

class InputQueue {
 public:
  struct Event {
    enum Type { kKey, kChar, kMouseButton, kScroll } type;
    int a = 0, b = 0, c = 0, d = 0;  // key: key, scancode, action, mods; button: button, action, mods
    unsigned int codepoint = 0;
    double dx = 0, dy = 0;
  };
  // Installs queueing callbacks on top of the ImGui backend's (call after ImGui_ImplGlfw_Init).
  void install(GLFWwindow* window);
  // Hands queued events to the backend until one would merge with an event already handed over
  // this frame. Call once per frame, before ImGui's NewFrame.
  void feed();
  // The same, handing each event to `deliver` instead of the backend (tests).
  void feed(const std::function<void(const Event&)>& deliver);
  // Events left for the next frames (the loop must not sleep while there are any).
  bool pending() const { return !events_.empty(); }

  void push(const Event& e) { events_.push_back(e); }

 private:
  GLFWwindow* window_ = nullptr;
  std::deque<Event> events_;
};

}  // namespace shortrun::explorer

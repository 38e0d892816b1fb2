// --script actions.json: replays UI actions through the same named controls and buttons a
// user's clicks use (shell/controls.cpp), one action per frame, with waits for the worker. The file is a JSON array of actions
// (or {"actions": [...]}); each is an object with "do":
//   {"do": "set", "control": "steps", "value": 20}        any control of the shell, a panel or a view
//   {"do": "press", "button": "rerun"}                    any button of the shell, a panel or a view
//   {"do": "click_chain", "index": 3, "as": "a"}          select a chain ("as": also make it endpoint a|b)
//   {"do": "drop_file", "path": "x.png"}                  as if dropped on the window
//   {"do": "drop_file", "paths": ["a.png", "dir"]}        several dropped together (the shown view may take them)
//   {"do": "stop_job", "kind": "train"}                   the x of the first listed job of that kind
//   {"do": "stroke", "points": [[4,4],[20,20]], "radius": 2, "value": 1, "mask": false, "erase": false}
//   {"do": "key", "key": "space|left|right|r|ctrl+o"}
//   {"do": "browse", "for": "model|image", "dir": "some/folder"}   open the file chooser (at dir)
//   {"do": "browse_pick", "name": "x.png"}   pick an entry of the listed folder ("..": up; a folder opens)
//   {"do": "wait", "for": "idle|sampler|model|interpolation|reconstruction|image|browser|frames", "frames": 5,
//    "timeout_s": 120}   (image: an image read since the last action; browser: the folder listed)
//   {"do": "wait", "for": "job", "kind": "sample", "done": 3}   a job of that kind running with >= done units
//   {"do": "wait", "for": "prompt"}                             the costly-run prompt is open
//   {"do": "wait", "for": "file", "path": "go"}                 a file exists (tests sending real X events)
//   {"do": "wait", "for": "input"}                              every real input event so far handed to ImGui
//   {"do": "wait", "for": "stuck"}                              a job has ignored its stop for 5 s
//   {"do": "wait", "for": "view", "view": "long_run"}           a view's jobs are done (view.h)
// A view's own actions (click_chain, stroke) go to the view that takes them (View::script_action).
//   {"do": "screenshot", "path": "out.png"}   {"do": "dump_state", "path": "state.json"}
// Paths are relative to the working directory.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shortrun::explorer {

class Explorer;

class ScriptRunner {
 public:
  explicit ScriptRunner(const std::string& path);  // throws shortrun::Error on a bad file
  // Runs at most one action (or one frame of a wait); false when done or failed (see error()).
  bool step(Explorer& ex);
  const std::string& error() const { return error_; }
  // Waiting for a file: the window then runs its idle loop, as it does for a user (tests send
  // real X events to it then).
  bool idle_wait() const;

 private:
  bool run_action(Explorer& ex, const nlohmann::json& a);  // false: still waiting
  bool waiting_done(Explorer& ex, const nlohmann::json& a);

  std::string path_;
  std::vector<nlohmann::json> actions_;
  size_t next_ = 0;
  std::string error_;
  bool waiting_ = false;
  int wait_frames_ = 0;
  uint64_t before_model_ = 0;  // model id and error count before the last non-wait action
  uint64_t before_image_ = 0;  // loaded-image id before the last non-wait action
  size_t before_errors_ = 0;
  std::chrono::steady_clock::time_point wait_start_;
};

}  // namespace shortrun::explorer

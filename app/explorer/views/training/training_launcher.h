// The Training tab's "Start a run" section: the `shortrun train` settings as fields (each named
// after its flag, and the command line they make), and the TrainingRunner that trains with them
// on its own thread, with pause, resume and stop. A preset (core's training/presets.h) fills the
// fields; what is then typed into a field wins, as an explicit flag does on the command line. The tab (panel_training.cpp) follows the run
// it starts like any other.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "views/training/training_runner.h"
#include "worker/worker.h"

namespace shortrun::explorer {

class TrainingLauncher {
 public:
  TrainingLauncher();

  // Script names (train_*): set_control returns false for a name that is not one of these, and
  // throws shortrun::Error for a bad value.
  static std::vector<std::string> controls();
  static std::vector<std::string> buttons();  // train_start is the tab's (it also attaches)
  bool set_control(const std::string& name, const nlohmann::json& v);
  bool press(const std::string& button);

  // Starts a run with the fields' settings: "" when started, else why not.
  // An empty out dir becomes a new runs/explorer-run_<time> folder in `export_folder`; a relative
  // one is made absolute, so every message names the run's real place.
  std::string start(const std::string& export_folder);
  void stop() { runner_.stop(); }

  // Once per frame, before drawing: the trainer's status.
  void refresh() { status_ = runner_.status(); }
  // Draws the section; true when Start was pressed.
  bool draw();

  const TrainingStatus& status() const { return status_; }  // as of refresh()
  const TrainingRequest& request() const { return request_; }
  bool active() const { return runner_.active(); }
  // Starting, pausing or stopping: a script waits for it to settle.
  bool settling() const;
  // True once after Resume: the tab follows the resumed run again (it may have been attached elsewhere).
  bool take_resumed() { return std::exchange(resumed_, false); }
  // The run in the sidebar's job list (none while no thread holds it).
  std::vector<JobStatus> jobs() const;
  nlohmann::json state() const;

 private:
  void sync_fields_from_request();
  void sync_request_from_fields();
  // Selects a preset ("" : none) and copies its values into the fields that have one.
  void choose_preset(const std::string& name);

  TrainingRequest request_;
  char data_[256] = "", out_[512] = "", schedule_[64] = "";
  TrainingRunner runner_;
  bool resumed_ = false;
  TrainingStatus status_;
};

}  // namespace shortrun::explorer

// Where the explorer keeps what a user expects to persist: imgui.ini (window layout), the
// recent-files list, the file chooser's recent folders and the Training tab's recent runs, in $XDG_CONFIG_HOME/shortrun (or ~/.config/shortrun), never the working
// directory. An empty dir means nothing is persisted.
#pragma once
#include <string>
#include <vector>

namespace shortrun::explorer {

class UserConfig {
 public:
  static constexpr size_t kMaxRecent = 10;
  // dir "" picks the default; "none" disables persistence.
  explicit UserConfig(const std::string& dir = "");

  const std::string& dir() const { return dir_; }
  std::string imgui_ini_path() const;  // "" when not persisting
  const std::vector<std::string>& recent() const { return recent_; }
  // Moves path to the front of the list and saves it (errors only print a warning).
  void add_recent(const std::string& path);
  const std::vector<std::string>& recent_folders() const { return folders_; }
  void add_recent_folder(const std::string& dir);
  const std::vector<std::string>& recent_runs() const { return runs_; }
  void add_recent_run(const std::string& dir);

 private:
  void load();
  void save() const;
  std::string dir_;
  std::vector<std::string> recent_, folders_, runs_;
};

// Labels for a list of paths: each the shortest tail of its path (at least the file name) that no
// other entry shares, so two runs' checkpoints/latest.safetensors read "run_a/checkpoints/latest.safetensors"
// and "run_b/...", while a unique name stays bare.
std::vector<std::string> distinct_tails(const std::vector<std::string>& paths);

}  // namespace shortrun::explorer

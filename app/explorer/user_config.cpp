// UserConfig: the config folder and recent.json.
#include "user_config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "shortrun/file_util.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

UserConfig::UserConfig(const std::string& dir) {
  if (dir == "none") return;
  if (!dir.empty()) {
    dir_ = dir;
  } else if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    dir_ = (fs::path(xdg) / "shortrun").string();
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir_ = (fs::path(home) / ".config" / "shortrun").string();
  }
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    std::fprintf(stderr, "shortrun-explorer: cannot create %s (%s); settings will not persist\n", dir_.c_str(),
                 ec.message().c_str());
    dir_.clear();
    return;
  }
  load();
}

std::string UserConfig::imgui_ini_path() const { return dir_.empty() ? "" : (fs::path(dir_) / "imgui.ini").string(); }

void UserConfig::load() {
  std::ifstream in(fs::path(dir_) / "recent.json");
  if (!in) return;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    for (const auto& p : j.at("recent")) recent_.push_back(p.get<std::string>());
    for (const auto& p : j.value("folders", nlohmann::json::array())) folders_.push_back(p.get<std::string>());
    for (const auto& p : j.value("runs", nlohmann::json::array())) runs_.push_back(p.get<std::string>());
  } catch (const std::exception&) {
    recent_.clear();  // a damaged list is not worth an error: start a new one
    folders_.clear();
    runs_.clear();
  }
}

void UserConfig::save() const {
  if (dir_.empty()) return;
  try {
    const nlohmann::json j = {{"recent", recent_}, {"folders", folders_}, {"runs", runs_}};
    write_file_atomic((fs::path(dir_) / "recent.json").string(), [&](std::ostream& out) { out << j.dump(2) << "\n"; });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shortrun-explorer: %s\n", e.what());
  }
}

namespace {
// Moves `path` (made absolute) to the front of `list`, keeping at most kMaxRecent entries.
std::string to_front(std::vector<std::string>& list, const std::string& path) {
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  const std::string p = ec ? path : abs.lexically_normal().string();
  list.erase(std::remove(list.begin(), list.end(), p), list.end());
  list.insert(list.begin(), p);
  if (list.size() > UserConfig::kMaxRecent) list.resize(UserConfig::kMaxRecent);
  return p;
}
}  // namespace

void UserConfig::add_recent(const std::string& path) {
  const std::string p = to_front(recent_, path);
  add_recent_folder(fs::path(p).parent_path().string());  // saves both lists
}

void UserConfig::add_recent_folder(const std::string& dir) {
  to_front(folders_, dir);
  save();
}

void UserConfig::add_recent_run(const std::string& dir) {
  to_front(runs_, dir);
  save();
}

}  // namespace shortrun::explorer

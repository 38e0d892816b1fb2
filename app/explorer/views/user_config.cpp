// UserConfig: the config folder and recent.json.
#include "views/user_config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "shortrun/io/file_util.h"

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

std::vector<std::string> distinct_tails(const std::vector<std::string>& paths) {
  // Each path's components, last first.
  std::vector<std::vector<std::string>> parts;
  for (const std::string& p : paths) {
    std::vector<std::string> c;
    for (const fs::path& e : fs::path(p).lexically_normal()) {
      const std::string s = e.string();
      if (!s.empty() && s != "/") c.insert(c.begin(), s);
    }
    if (c.empty()) c.push_back(p);
    parts.push_back(std::move(c));
  }
  const auto tail = [&](size_t i, size_t n) {
    std::string out;
    n = std::min(n, parts[i].size());
    for (size_t k = n; k-- > 0;) out += parts[i][k] + (k ? "/" : "");
    return out;
  };
  std::vector<size_t> depth(paths.size(), 1);
  for (bool changed = true; changed;) {  // lengthen, together, every label that another shares
    changed = false;
    std::vector<bool> shared(paths.size(), false);
    for (size_t i = 0; i < paths.size(); ++i)
      for (size_t j = 0; j < paths.size(); ++j)
        if (i != j && tail(i, depth[i]) == tail(j, depth[j])) shared[i] = true;
    for (size_t i = 0; i < paths.size(); ++i)
      if (shared[i] && depth[i] < parts[i].size()) ++depth[i], changed = true;
  }
  std::vector<std::string> labels;
  for (size_t i = 0; i < paths.size(); ++i) {
    const bool whole = depth[i] >= parts[i].size() && !paths[i].empty() && paths[i][0] == '/';
    labels.push_back((whole ? "/" : "") + tail(i, depth[i]));
  }
  return labels;
}

}  // namespace shortrun::explorer

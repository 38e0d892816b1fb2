// RunComparison: adding and removing runs, their colours and names, and each run's problem line.
#include "views/runs/run_comparison.h"

#include <algorithm>
#include <filesystem>

#include "shortrun/base/printable.h"
#include "views/run_data/run_paths.h"
#include "views/user_config.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

const ImU32 RunComparison::kPalette[kMaxRuns] = {
    IM_COL32(90, 160, 240, 255), IM_COL32(240, 150, 60, 255),  IM_COL32(90, 200, 110, 255), IM_COL32(230, 80, 150, 255),
    IM_COL32(190, 120, 240, 255), IM_COL32(220, 210, 80, 255), IM_COL32(80, 210, 210, 255), IM_COL32(200, 200, 200, 255)};

namespace {

std::string normalised(const std::string& path) {
  std::string dir = run_dir_of(path);
  std::error_code ec;
  if (const fs::path abs = fs::absolute(dir, ec); !ec) dir = abs.lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

std::string run_problem(const RunSnapshot& r) {
  if (r.polls == 0) return "";
  if (r.settings && r.settings->no_directory) return r.settings->error;
  if (r.missing) return r.messages.empty() ? "metrics.jsonl is not there" : r.messages.back();
  if (r.records == 0 && r.bad_lines > 0)
    return "metrics.jsonl holds no readable line (" + std::to_string(r.bad_lines) + " not JSON objects)";
  if (r.settings && !r.settings->error.empty()) return "settings: " + r.settings->error;
  return "";
}

std::string RunComparison::add(const std::string& path) {
  if (path.empty()) return "give a run directory (one made by `shortrun train`)";
  const std::string dir = normalised(path);
  if (find(dir) >= 0) return dir + " is compared already";
  if (runs_.size() >= kMaxRuns) return "at most " + std::to_string(kMaxRuns) + " runs at once: remove one first";
  ComparedRun r;
  r.dir = dir;
  for (int s = 0; s < int(kMaxRuns); ++s)
    if (std::none_of(runs_.begin(), runs_.end(), [&](const ComparedRun& o) { return o.slot == s; })) {
      r.slot = s;
      break;
    }
  r.color = kPalette[r.slot];
  r.watch = std::make_unique<RunWatch>(dir, false);  // no sample grids: the tab shows none
  r.run = r.watch->snapshot();  // its thread may have published its first look already
  r.problem = run_problem(*r.run);
  runs_.push_back(std::move(r));
  rename();
  return "";
}

void RunComparison::remove(size_t index) {
  if (index >= runs_.size()) return;
  runs_.erase(runs_.begin() + std::ptrdiff_t(index));  // joins its watch (one bounded poll at most)
  rename();
}

void RunComparison::clear() {
  runs_.clear();
}

void RunComparison::set_shown(size_t index, bool shown) {
  if (index < runs_.size()) runs_[index].shown = shown;
}

int RunComparison::find(const std::string& dir) const {
  const std::string d = normalised(dir);
  for (size_t i = 0; i < runs_.size(); ++i)
    if (runs_[i].dir == d) return int(i);
  return -1;
}

bool RunComparison::update() {
  bool changed = false;
  for (ComparedRun& r : runs_) {
    std::shared_ptr<const RunSnapshot> s = r.watch->snapshot();
    if (s == r.run) continue;
    r.run = std::move(s);
    r.problem = run_problem(*r.run);
    changed = true;
  }
  return changed;
}

int64_t RunComparison::min_polls() const {
  int64_t n = INT64_MAX;
  for (const ComparedRun& r : runs_) n = std::min(n, r.watch->polls());
  return runs_.empty() ? 0 : n;
}

void RunComparison::rename() {
  std::vector<std::string> dirs;
  for (const ComparedRun& r : runs_) dirs.push_back(r.dir);
  const std::vector<std::string> names = distinct_tails(dirs);
  for (size_t i = 0; i < runs_.size(); ++i) runs_[i].name = printable(names[i]);
}

}  // namespace shortrun::explorer

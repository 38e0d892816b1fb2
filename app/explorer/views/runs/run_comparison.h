// The runs the Runs tab compares: each a run directory followed by a RunWatch of its own (so a run
// still being written grows live, read off the UI thread and bounded as the Training tab's is),
// with a colour that stays its own while others come and go, a name that tells it apart from the
// others, shown or hidden, and one line saying what is wrong with it when something is. A bad
// directory stays listed with its reason; it never takes the others with it. No ImGui here.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include "views/run_data/run_watch.h"

namespace shortrun::explorer {

struct ComparedRun {
  std::string dir;   // absolute
  std::string name;  // the shortest tail of dir no other compared run shares
  int slot = 0;      // its colour's index in the palette
  ImU32 color = 0;
  bool shown = true;
  std::unique_ptr<RunWatch> watch;
  std::shared_ptr<const RunSnapshot> run;  // the newest snapshot (never null)
  std::string problem;  // why it shows little or nothing ("" when fine), one line
};

// What is wrong with a run as its snapshot shows it: the directory is not there, metrics.jsonl is
// missing or holds no readable line, or its settings could not be read. "" when fine (or not
// looked at yet).
std::string run_problem(const RunSnapshot& run);

class RunComparison {
 public:
  static constexpr size_t kMaxRuns = 8;
  static const ImU32 kPalette[kMaxRuns];
  // Adds a run directory (a run's own file stands for its run). Returns "" when added, else why
  // not (empty path, already compared, kMaxRuns compared).
  std::string add(const std::string& path);
  void remove(size_t index);
  void clear();
  void set_shown(size_t index, bool shown);
  // The index of the run whose directory is `dir` (as add would normalise it), -1 if none.
  int find(const std::string& dir) const;
  // Takes the watches' newest snapshots; true when any changed (the plots are to be rebuilt).
  bool update();
  const std::vector<ComparedRun>& runs() const { return runs_; }
  // The fewest looks any watch has taken at its directory (0: some run not read yet).
  int64_t min_polls() const;

 private:
  void rename();
  std::vector<ComparedRun> runs_;
};

}  // namespace shortrun::explorer

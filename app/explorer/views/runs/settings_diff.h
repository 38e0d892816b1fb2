// Runs' settings side by side: one row per key any of them has, its value in each run ("" where a
// run lacks the key), and whether the values differ. A run whose settings could not be read has
// no say in what differs (it would make every row differ); it shows empty cells.
#pragma once
#include <string>
#include <vector>

#include "views/run_data/run_settings.h"

namespace shortrun::explorer {

struct SettingsRow {
  std::string key;
  std::vector<std::string> values;  // one per run, "" where the run lacks the key
  std::vector<bool> present;        // one per run: the run has the key
  bool differs = false;             // runs with settings disagree (a missing key counts as a value)
};

// Rows in key order; only_differing: just the rows that differ. A null entry is a run without
// settings (not read yet, or unreadable).
std::vector<SettingsRow> diff_settings(const std::vector<const RunSettings*>& runs, bool only_differing = false);

}  // namespace shortrun::explorer

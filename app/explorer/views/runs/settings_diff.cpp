// diff_settings: a merge of the runs' sorted rows into one table.
#include "views/runs/settings_diff.h"

#include <map>

namespace shortrun::explorer {

std::vector<SettingsRow> diff_settings(const std::vector<const RunSettings*>& runs, bool only_differing) {
  const size_t n = runs.size();
  std::map<std::string, SettingsRow> rows;
  for (size_t r = 0; r < n; ++r) {
    if (!runs[r]) continue;
    for (const auto& [key, value] : runs[r]->rows) {
      SettingsRow& row = rows[key];
      if (row.values.empty()) {
        row.key = key;
        row.values.assign(n, "");
        row.present.assign(n, false);
      }
      row.values[r] = value;
      row.present[r] = true;
    }
  }
  std::vector<SettingsRow> out;
  for (auto& [key, row] : rows) {
    const std::string* first = nullptr;
    bool first_present = false;
    for (size_t r = 0; r < n; ++r) {
      if (!runs[r] || !runs[r]->error.empty() || runs[r]->rows.empty()) continue;  // no settings: no say
      if (!first) {
        first = &row.values[r];
        first_present = row.present[r];
      } else if (row.present[r] != first_present || row.values[r] != *first) {
        row.differs = true;
        break;
      }
    }
    if (!only_differing || row.differs) out.push_back(std::move(row));
  }
  return out;
}

}  // namespace shortrun::explorer

// The two pages of the Runs tab, drawn with ImGui: the overlaid curves (a legend, then one panel
// per metric, two to a row) and the settings side by side (rows that differ tinted).
#pragma once
#include <string>
#include <vector>

#include "views/runs/compare_plots.h"
#include "views/runs/run_comparison.h"
#include "views/runs/settings_diff.h"

namespace shortrun::explorer {

// The curves of the shown runs; `shown` are indices into comparison.runs().
void draw_run_curves(const ComparePlots& plots, const RunComparison& comparison, const std::vector<size_t>& shown);

// One column per shown run: what it is (where its settings come from, iterations, best FD), then
// `rows` with the differing ones tinted.
void draw_settings_table(const std::vector<SettingsRow>& rows, const RunComparison& comparison,
                         const std::vector<size_t>& shown, bool only_differing);

}  // namespace shortrun::explorer

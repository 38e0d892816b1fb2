// draw_run_curves and draw_settings_table (runs_pages.h).
#include "views/runs/runs_pages.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "views/view.h"

namespace shortrun::explorer {

namespace {

const ImU32 kDiffer = IM_COL32(120, 80, 20, 150);

// Results of a run, from its snapshot: (label, value) rows above the settings.
std::vector<std::pair<std::string, std::string>> results(const ComparedRun& r) {
  const RunSnapshot& s = *r.run;
  char buf[96];
  std::vector<std::pair<std::string, std::string>> out;
  const RunSettings* set = s.settings.get();
  out.emplace_back("settings from", set && !set->source.empty() ? set->source + " (" + set->kind + ")" : "-");
  out.emplace_back("iterations logged", std::to_string(s.last_iteration));
  const auto last = [&](const char* key) -> std::string {
    const auto it = s.curves.series.find(key);
    if (it == s.curves.series.end() || it->second.size() == 0) return "-";
    std::snprintf(buf, sizeof buf, "%.4g", it->second.items().back().second);
    return buf;
  };
  out.emplace_back("last gap", last("gap"));
  out.emplace_back("wall time (s)", last("wall_s"));
  double best = NAN;
  for (const auto& [it, fd] : s.fd.items())
    if (std::isfinite(fd) && !(best <= fd)) best = fd;
  if (std::isfinite(best)) std::snprintf(buf, sizeof buf, "%.4g", best);
  out.emplace_back("best FD", std::isfinite(best) ? buf : "-");
  return out;
}

}  // namespace

void draw_run_curves(const ComparePlots& plots, const RunComparison& comparison, const std::vector<size_t>& shown) {
  const auto& runs = comparison.runs();
  if (shown.empty()) {
    ImGui::TextDisabled(runs.empty() ? "Add run directories on the left to overlay their curves." : "Every run is hidden.");
    return;
  }
  // The legend: each shown run's name in its colour.
  for (size_t k = 0; k < shown.size(); ++k) {
    const ComparedRun& r = runs[shown[k]];
    if (k > 0) ImGui::SameLine(0, 14);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.color), "%s", r.name.c_str());
    tip(r.dir.c_str());
  }
  ImGui::BeginChild("runs_plots", ImVec2(0, 0), false);
  const float spacing = ImGui::GetStyle().ItemSpacing.x, line = ImGui::GetTextLineHeightWithSpacing();
  // Two panels to a row, one where that would make them too narrow to read (800x500).
  const size_t columns = ImGui::GetContentRegionAvail().x >= 560.0f ? 2 : 1;
  const float width = (ImGui::GetContentRegionAvail().x - float(columns - 1) * spacing) / float(columns);
  const size_t panels = plots.metrics.size() + (plots.profile_bins > 0 ? 1 : 0);
  const size_t rows = (panels + columns - 1) / columns;
  const float plot_h = std::max(90.0f, ImGui::GetContentRegionAvail().y / float(std::max<size_t>(rows, 1)) - line - 2 * ImGui::GetStyle().ItemSpacing.y);
  for (size_t i = 0; i < panels; ++i) {
    const bool profile = i == plots.metrics.size();
    const CompareMetric& m = profile ? plots.profile : plots.metrics[i];
    PlotSpec s;
    s.size = ImVec2(0, plot_h);
    s.log_y = m.log_y;
    if (profile) {
      s.x_count = plots.profile_bins;
      s.x_label = "k bin";
    } else {
      s.x_count = plots.x_count;
      s.x_scale = plots.x_scale;
      s.x_label = "iteration";
    }
    if (i % columns != 0) ImGui::SameLine();
    ImGui::BeginChild(m.key.c_str(), ImVec2(width, plot_h + line + 2), false, ImGuiWindowFlags_NoScrollbar);
    ImGui::TextUnformatted(m.title.c_str());
    plot_lines(m.key.c_str(), s, m.series);
    ImGui::EndChild();
  }
  ImGui::EndChild();
}

void draw_settings_table(const std::vector<SettingsRow>& rows, const RunComparison& comparison,
                         const std::vector<size_t>& shown, bool only_differing) {
  const auto& runs = comparison.runs();
  if (shown.empty()) {
    ImGui::TextDisabled(runs.empty() ? "Add run directories on the left to compare their settings." : "Every run is hidden.");
    return;
  }
  const size_t differing = size_t(std::count_if(rows.begin(), rows.end(), [](const SettingsRow& r) { return r.differs; }));
  ImGui::Text("%zu setting(s) differ", differing);
  ImGui::SameLine();
  ImGui::TextDisabled(only_differing ? "(only those shown)" : "(tinted)");
  // The runs' columns share the width; when they would be narrower than a value, they keep their
  // width and the table scrolls sideways (the setting column stays).
  const float key_w = std::min(ImGui::GetFontSize() * 11, ImGui::GetContentRegionAvail().x * 0.45f);
  const float run_w = ImGui::GetFontSize() * 10;
  const bool fits = key_w + float(shown.size()) * run_w <= ImGui::GetContentRegionAvail().x;
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable |
                                (fits ? ImGuiTableFlags_SizingStretchProp : ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit);
  if (!ImGui::BeginTable("runs_settings", int(shown.size()) + 1, flags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("setting", ImGuiTableColumnFlags_WidthFixed, key_w);
  for (size_t k : shown)
    ImGui::TableSetupColumn(runs[k].name.c_str(), fits ? ImGuiTableColumnFlags_WidthStretch : ImGuiTableColumnFlags_WidthFixed,
                            fits ? 1.0f : run_w);
  // The header row in the runs' colours.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  ImGui::TableSetColumnIndex(0);
  ImGui::TableHeader("setting");
  for (size_t c = 0; c < shown.size(); ++c) {
    ImGui::TableSetColumnIndex(int(c) + 1);
    ImGui::PushStyleColor(ImGuiCol_Text, runs[shown[c]].color);
    ImGui::TableHeader(runs[shown[c]].name.c_str());
    ImGui::PopStyleColor();
  }
  // What each run is and how far it got (never tinted: results differ by nature).
  std::vector<std::vector<std::pair<std::string, std::string>>> res;
  for (size_t k : shown) res.push_back(results(runs[k]));
  for (size_t i = 0; i < res[0].size(); ++i) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextDisabled("%s", res[0][i].first.c_str());
    for (size_t c = 0; c < shown.size(); ++c) {
      ImGui::TableSetColumnIndex(int(c) + 1);
      const ComparedRun& r = runs[shown[c]];
      if (i == 0 && !r.problem.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", r.problem.c_str());
      else ImGui::TextDisabled("%s", res[c][i].second.c_str());
    }
  }
  for (const SettingsRow& row : rows) {
    ImGui::TableNextRow();
    if (row.differs) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, kDiffer);
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted(row.key.c_str());
    for (size_t c = 0; c < shown.size(); ++c) {
      ImGui::TableSetColumnIndex(int(c) + 1);
      if (row.present[c]) ImGui::TextUnformatted(row.values[c].c_str());
      else ImGui::TextDisabled("-");
    }
  }
  ImGui::EndTable();
}

}  // namespace shortrun::explorer

// The Runs tab: several run directories side by side, as TensorBoard and W&B compare runs: their
// curves overlaid (one colour per run, the Training tab's metrics), their settings in one table
// with the rows that differ tinted (or only those). Runs come from the path field, the file
// chooser or the recent runs; each is followed by a RunWatch of its own, so a run still being
// written grows here live, and a bad directory is listed with its reason beside the good ones.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "views/runs/compare_plots.h"

#include "shortrun/base/error.h"
#include "views/runs/run_comparison.h"
#include "views/runs/runs_pages.h"
#include "views/runs/settings_diff.h"
#include "views/user_config.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"

namespace shortrun::explorer {

namespace {

namespace fs = std::filesystem;

std::string hex_colour(ImU32 c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", unsigned(c & 0xff), unsigned((c >> 8) & 0xff), unsigned((c >> 16) & 0xff));
  return buf;
}

class RunsView : public View {
 public:
  const char* title() const override { return "Runs"; }
  const char* id() const override { return "runs"; }

  std::vector<std::string> controls() const override {
    return {"runs_dir", "runs_only_differing", "runs_shown", "runs_remove", "runs_page", "runs_wait_iteration"};
  }
  std::vector<std::string> buttons() const override { return {"runs_add", "runs_clear", "runs_refresh", "runs_browse"}; }
  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override;
  void press(ViewContext& ctx, const std::string& button) override;
  bool busy() const override;
  nlohmann::json state() const override;
  void update(ViewContext& ctx) override;
  void draw(ViewContext& ctx) override;
  // Run directories (or files in them) dropped on the tab are added.
  bool take_drop(ViewContext& ctx, const std::vector<std::string>& paths) override;

 private:
  void add(ViewContext& ctx, const std::string& path);
  void remove(size_t index);
  // A run named by its index in the list or by its directory.
  size_t run_index(const nlohmann::json& v) const;
  std::vector<size_t> shown() const;
  void rebuild();
  void draw_add(ViewContext& ctx);
  void draw_list();

  char path_[1024] = "";
  std::vector<std::string> recent_;
  RunComparison comparison_;
  ComparePlots plots_;
  std::vector<SettingsRow> rows_;  // the shown runs' settings (only the differing ones if only_differing_)
  bool only_differing_ = false;
  bool settings_page_ = false;
  bool page_from_script_ = false;
  bool add_picked_ = false;  // the file chooser picked a run
  int64_t refresh_after_ = 0;
  int64_t wait_iteration_ = 0;
  std::string message_;
};

void RunsView::add(ViewContext& ctx, const std::string& path) {
  const std::string refused = comparison_.add(path);
  if (!refused.empty()) {
    message_ = refused;
    return;
  }
  const ComparedRun& r = comparison_.runs().back();
  std::error_code ec;
  if (fs::is_directory(r.dir, ec)) ctx.config.add_recent_run(r.dir);  // shared with the Training tab
  message_ = "comparing " + r.name;
  rebuild();
}

void RunsView::remove(size_t index) {
  if (index >= comparison_.runs().size()) return;
  message_ = "removed " + comparison_.runs()[index].name;
  comparison_.remove(index);
  rebuild();
}

size_t RunsView::run_index(const nlohmann::json& v) const {
  const auto& runs = comparison_.runs();
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < 0 || i >= int64_t(runs.size())) throw Error("no run " + std::to_string(i) + " (" + std::to_string(runs.size()) + " compared)");
    return size_t(i);
  }
  const int i = comparison_.find(v.get<std::string>());
  if (i < 0) throw Error(v.get<std::string>() + " is not among the compared runs");
  return size_t(i);
}

std::vector<size_t> RunsView::shown() const {
  std::vector<size_t> s;
  for (size_t i = 0; i < comparison_.runs().size(); ++i)
    if (comparison_.runs()[i].shown) s.push_back(i);
  return s;
}

void RunsView::rebuild() {
  std::vector<CurvesOfRun> curves;
  std::vector<const RunSettings*> settings;
  for (size_t i : shown()) {
    const ComparedRun& r = comparison_.runs()[i];
    curves.push_back({r.run.get(), r.color, r.name});
    settings.push_back(r.run->settings.get());
  }
  plots_ = make_compare_plots(curves);
  rows_ = diff_settings(settings, only_differing_);
}

void RunsView::set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) {
  if (name == "runs_dir") std::snprintf(path_, sizeof path_, "%s", v.get<std::string>().c_str());
  else if (name == "runs_only_differing") only_differing_ = v.get<bool>(), rebuild();
  else if (name == "runs_shown") {
    comparison_.set_shown(run_index(v.at("run")), v.at("shown").get<bool>());
    rebuild();
  } else if (name == "runs_remove") remove(run_index(v));
  else if (name == "runs_page") {
    const std::string page = v.get<std::string>();
    if (page != "curves" && page != "settings") throw Error("runs_page is curves or settings, not '" + page + "'");
    settings_page_ = page == "settings";
    page_from_script_ = true;
  } else if (name == "runs_wait_iteration") {
    const int64_t n = v.get<int64_t>();
    if (n < 0) throw Error(name + " must be at least 0");
    wait_iteration_ = n;
  }
}

void RunsView::press(ViewContext& ctx, const std::string& button) {
  if (button == "runs_add") add(ctx, path_);
  else if (button == "runs_clear") comparison_.clear(), rebuild(), message_ = "no runs compared";
  else if (button == "runs_refresh") refresh_after_ = comparison_.min_polls() + 1;
  else if (button == "runs_browse")
    ctx.browse_models("Add a run to compare", path_[0] ? path_ : (recent_.empty() ? "" : recent_.front()),
                      [this](const std::string& p) {
                        std::snprintf(path_, sizeof path_, "%s", p.c_str());
                        add_picked_ = true;  // added in the next update (which has the context)
                      });
}

bool RunsView::busy() const {
  if (comparison_.runs().empty()) return false;
  const int64_t polls = comparison_.min_polls();
  if (polls == 0 || polls <= refresh_after_) return true;  // a look at some directory is due
  for (const ComparedRun& r : comparison_.runs()) {
    const auto newest = r.watch->snapshot();
    if (newest != r.run) return true;  // not taken by update() yet
    // A script waiting for the runs to reach an iteration (a run with a problem is not waited on).
    if (wait_iteration_ > 0 && r.problem.empty() && newest->last_iteration < wait_iteration_) return true;
  }
  return false;
}

bool RunsView::take_drop(ViewContext& ctx, const std::vector<std::string>& paths) {
  for (const std::string& p : paths) add(ctx, p);
  return true;
}

void RunsView::update(ViewContext& ctx) {
  if (add_picked_) add(ctx, path_), add_picked_ = false;
  recent_ = ctx.config.recent_runs();
  if (comparison_.update()) rebuild();
}

nlohmann::json RunsView::state() const {
  nlohmann::json j;
  j["message"] = message_;
  j["recent"] = recent_;
  j["page"] = settings_page_ ? "settings" : "curves";
  j["only_differing"] = only_differing_;
  j["runs"] = nlohmann::json::array();
  for (const ComparedRun& r : comparison_.runs()) {
    const RunSnapshot& s = *r.run;
    nlohmann::json run = {{"dir", r.dir},           {"name", r.name},         {"color", hex_colour(r.color)},
                          {"shown", r.shown},       {"problem", r.problem},   {"iterations", s.last_iteration},
                          {"records", s.records},   {"polls", s.polls},       {"missing", s.missing}};
    nlohmann::json lengths = nlohmann::json::object();
    for (const auto& [key, points] : s.curves.series) lengths[key] = points.size();
    run["curves"] = lengths;
    if (s.settings) run["settings"] = {{"source", s.settings->source}, {"kind", s.settings->kind},
                                       {"rows", s.settings->rows.size()}, {"error", s.settings->error}};
    j["runs"].push_back(std::move(run));
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (const CompareMetric& m : plots_.metrics) {
    nlohmann::json names = nlohmann::json::array();
    for (const PlotSeries& s : m.series) names.push_back(s.name);
    metrics[m.key] = names;
  }
  nlohmann::json profile = nlohmann::json::array();
  for (const PlotSeries& s : plots_.profile.series) profile.push_back(s.name);
  j["plots"] = {{"x_count", plots_.x_count}, {"x_scale", plots_.x_scale}, {"metrics", metrics}, {"profile", profile}};
  nlohmann::json differing = nlohmann::json::array(), rows = nlohmann::json::object();
  for (const SettingsRow& r : rows_) {
    if (r.differs) differing.push_back(r.key);
    rows[r.key] = r.values;
  }
  j["settings"] = {{"rows", rows_.size()}, {"differing", differing}, {"values", rows}};
  return j;
}

void RunsView::draw_add(ViewContext& ctx) {
  ImGui::TextUnformatted("Run directory");
  // Browse... goes under the field when the column is narrow (800x500), beside it otherwise.
  const float spacing = ImGui::GetStyle().ItemSpacing.x, avail = ImGui::GetContentRegionAvail().x;
  const bool one_row = avail - button_width("Add") - button_width("Browse...") - 2 * spacing >= 160.0f;
  const float buttons = button_width("Add") + spacing + (one_row ? button_width("Browse...") + spacing : 0.0f);
  ImGui::SetNextItemWidth(std::max(60.0f, avail - buttons));
  const bool enter = ImGui::InputText("##runs_dir", path_, sizeof path_, ImGuiInputTextFlags_EnterReturnsTrue);
  tip("a run directory made by `shortrun train` (an image run or a 2-D run), or any file in one; Enter adds it");
  ImGui::SameLine();
  if (ImGui::Button("Add") || enter) add(ctx, path_);
  tip("add this run to the comparison (read-only; a run still being written keeps growing here)");
  if (one_row) ImGui::SameLine();
  if (ImGui::Button("Browse...")) press(ctx, "runs_browse");
  tip("pick a run directory (Use this folder) or one of its checkpoints in the file chooser: it is added "
      "(dropping run directories on the window adds them too)");
  ImGui::TextDisabled("recent:");
  std::string pick;
  if (ImGui::BeginListBox("##runs_recent", ImVec2(-1, 3 * ImGui::GetTextLineHeightWithSpacing() + 6))) {
    if (recent_.empty()) ImGui::TextDisabled("(none yet)");
    for (size_t i = 0; i < recent_.size(); ++i) {
      ImGui::PushID(int(i));
      if (ImGui::Selectable(recent_[i].c_str(), comparison_.find(recent_[i]) >= 0)) pick = recent_[i];
      ImGui::PopID();
    }
    ImGui::EndListBox();
  }
  tip("runs opened recently here or in the Training tab (highlighted: compared now): click one to add it");
  if (!pick.empty()) add(ctx, pick);
  ReservedLines room(2);  // a message coming and going never moves the list below
  if (!message_.empty()) ImGui::TextWrapped("%s", message_.c_str());
}

void RunsView::draw_list() {
  const auto& runs = comparison_.runs();
  ImGui::Text("Compared runs (%zu of %zu)", runs.size(), RunComparison::kMaxRuns);
  same_line_if_fits(button_width("Remove all"));
  {
    DisabledWhy off(runs.empty(), "no runs to remove");
    if (ImGui::SmallButton("Remove all")) comparison_.clear(), rebuild();
    tip("stop comparing every run (the runs themselves are not touched)");
  }
  // A fixed height (it scrolls): runs coming and going never move the controls below.
  const float line = ImGui::GetTextLineHeightWithSpacing();
  ImGui::BeginChild("runs_list", ImVec2(0, 4.5f * 2 * line + 8), true);
  if (runs.empty()) ImGui::TextDisabled("none yet");
  size_t drop = runs.size();
  for (size_t i = 0; i < runs.size(); ++i) {
    const ComparedRun& r = runs[i];
    ImGui::PushID(int(i));
    bool on = r.shown;
    ImGui::PushStyleColor(ImGuiCol_CheckMark, r.color);
    if (ImGui::Checkbox("##shown", &on)) comparison_.set_shown(i, on), rebuild();
    ImGui::PopStyleColor();
    tip(on ? "shown: untick to hide this run's curves and column" : "hidden: tick to show this run again");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.color), "%s", r.name.c_str());
    tip(r.dir.c_str());
    ImGui::SameLine(std::max(0.0f, ImGui::GetContentRegionMax().x - button_width("x")));
    if (ImGui::SmallButton("x")) drop = i;
    tip("remove this run from the comparison (the run itself is not touched)");
    const RunSnapshot& s = *r.run;
    if (!r.problem.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "  %s", r.problem.c_str());
    else if (s.polls == 0) ImGui::TextDisabled("  reading...");
    else ImGui::TextDisabled("  iteration %lld, %lld lines", static_cast<long long>(s.last_iteration), static_cast<long long>(s.records));
    ImGui::PopID();
  }
  ImGui::EndChild();
  if (drop < runs.size()) remove(drop);
  if (ImGui::Checkbox("only differing settings", &only_differing_)) rebuild();
  tip("the settings table lists only the rows whose values differ between the shown runs");
}

void RunsView::draw(ViewContext& ctx) {
  const float left_w = std::min(340.0f * ctx.ui_scale, ImGui::GetContentRegionAvail().x * 0.4f);
  ImGui::BeginChild("runs_controls", ImVec2(left_w, 0), false);
  draw_add(ctx);
  ImGui::Separator();
  draw_list();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("runs_pages", ImVec2(0, 0), false);
  if (ImGui::BeginTabBar("runs_tabs")) {
    const auto page = [&](const char* label, bool settings) {
      const ImGuiTabItemFlags f = page_from_script_ && settings_page_ == settings ? ImGuiTabItemFlags_SetSelected : 0;
      if (!ImGui::BeginTabItem(label, nullptr, f)) return false;
      if (!page_from_script_) settings_page_ = settings;
      return true;
    };
    if (page("Curves", false)) {
      draw_run_curves(plots_, comparison_, shown());
      ImGui::EndTabItem();
    }
    if (page("Settings", true)) {
      draw_settings_table(rows_, comparison_, shown(), only_differing_);
      ImGui::EndTabItem();
    }
    page_from_script_ = false;
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
}

}  // namespace

std::unique_ptr<View> make_runs_view() { return std::make_unique<RunsView>(); }

}  // namespace shortrun::explorer

// The Training tab: follow a run directory while a trainer writes it (attached read-only; the
// trainer may be a `shortrun train` in a terminal, on a cluster share, or the one this tab
// starts), with the curves of `shortrun plot`, the anatomy diagnostics, the newest sample grid
// and a checkpoint picker that loads any checkpoint into the Chains tab. Its "Start a run"
// section and the trainer behind it are training_launcher.h.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "display/display_image.h"
#include "widgets/disabled_why.h"

#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "views/run_data/run_paths.h"
#include "views/run_data/run_watch.h"
#include "views/training/buffer_panel.h"
#include "views/training/health_plots.h"
#include "views/training/training_launcher.h"
#include "views/training/training_plots.h"
#include "views/user_config.h"
#include "views/view.h"
#include "widgets/layout_util.h"
#include "widgets/plots.h"
#include "widgets/view_widgets.h"

namespace shortrun::explorer {

namespace {

namespace fs = std::filesystem;

// A plot's title followed by its series' names in their colours (the legend, for two or more).
// ends_only: the first and last series (a progression such as early to late).
void legend_title(const char* title, const std::vector<PlotSeries>& series, bool ends_only = false) {
  ImGui::TextUnformatted(title);
  if (series.size() < 2) return;
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].name.empty() || (ends_only && i != 0 && i + 1 != series.size())) continue;
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(series[i].color), "%s", series[i].name.c_str());
  }
}

class TrainingView : public View {
 public:
  const char* title() const override { return "Training"; }
  const char* id() const override { return "training"; }

  std::vector<std::string> controls() const override {
    std::vector<std::string> c = {"training_dir", "checkpoint", "training_wait_iteration", "training_section", "buffer_order"};
    for (std::string& n : TrainingLauncher::controls()) c.push_back(std::move(n));
    return c;
  }
  std::vector<std::string> buttons() const override {
    std::vector<std::string> b = {"attach", "detach", "training_refresh", "load_checkpoint", "train_start", "buffer_read"};
    for (std::string& n : TrainingLauncher::buttons()) b.push_back(std::move(n));
    return b;
  }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override;
  void press(ViewContext& ctx, const std::string& button) override;
  bool busy() const override;
  std::vector<JobStatus> own_jobs() const override { return launcher_.jobs(); }
  void stop_own_job(uint64_t) override { launcher_.stop(); }
  nlohmann::json state() const override;
  void update(ViewContext& ctx) override;
  void draw(ViewContext& ctx) override;
  void release_gl() override {
    grid_image_ = std::make_unique<DisplayImage>();
    shown_grid_.reset();
    buffer_.release_gl();
  }

 private:
  void attach(ViewContext& ctx, const std::string& path);
  void detach();
  void load_checkpoint(ViewContext& ctx);
  void start_training(ViewContext& ctx);
  void draw_attach(ViewContext& ctx);
  void draw_checkpoints(ViewContext& ctx);
  void draw_run(ViewContext& ctx);
  void draw_curves(ViewContext& ctx);
  void draw_health(ViewContext& ctx);
  PlotSpec iteration_spec(float height, bool log_y) const;
  void say(const std::string& line) { action_message_ = line; }

  // Following.
  char path_[1024] = "";
  std::vector<std::string> recent_;
  std::unique_ptr<RunWatch> watch_;
  std::shared_ptr<const RunSnapshot> run_;
  uint64_t run_version_ = ~0ull;
  TrainingPlots plots_;
  HealthPlots health_;
  std::string section_ = "curves";  // curves | health | buffer: what the run area shows
  BufferPanel buffer_;
  std::vector<CheckpointInfo> checkpoints_;  // the run's loadable files (its buffer files left out)
  std::unique_ptr<DisplayImage> grid_image_ = std::make_unique<DisplayImage>();
  std::shared_ptr<const SampleGrid> shown_grid_;
  std::string checkpoint_;  // the picked checkpoint's file name
  int64_t wait_iteration_ = 0;
  int64_t refresh_after_ = 0;  // a script waits until the watch has looked at the run after this poll
  std::string action_message_;
  // Training from the tab.
  TrainingLauncher launcher_;
  bool attach_when_started_ = false;
};

void TrainingView::attach(ViewContext& ctx, const std::string& path) {
  std::string dir = run_dir_of(path);
  if (dir.empty()) {
    say("give a run directory (one made by `shortrun train`) to attach to");
    return;
  }
  std::error_code ec;
  if (const fs::path abs = fs::absolute(dir, ec); !ec) dir = abs.lexically_normal().string();
  std::snprintf(path_, sizeof path_, "%s", dir.c_str());
  watch_.reset();  // joins the old watch thread (one bounded poll at most)
  watch_ = std::make_unique<RunWatch>(dir);
  run_ = watch_->snapshot();
  run_version_ = ~0ull;
  shown_grid_.reset();
  checkpoint_.clear();
  buffer_.reset();
  health_ = HealthPlots{};
  checkpoints_.clear();
  ctx.config.add_recent_run(dir);  // kept between sessions
  recent_ = ctx.config.recent_runs();
  say("attached to " + dir + " (read-only)");
  ctx.status("Training: following " + dir);
}

void TrainingView::detach() {
  watch_.reset();
  run_.reset();
  plots_ = TrainingPlots{};
  health_ = HealthPlots{};
  buffer_.reset();
  checkpoints_.clear();
  shown_grid_.reset();
  checkpoint_.clear();
  say("detached");
}

void TrainingView::load_checkpoint(ViewContext& ctx) {
  if (!run_) return say("attach to a run first");
  const auto& cps = checkpoints_;
  const auto it = std::find_if(cps.begin(), cps.end(), [&](const CheckpointInfo& c) { return c.name == checkpoint_; });
  if (it == cps.end() && !checkpoint_.empty())
    return say(checkpoint_ + " is no longer in " + run_->dir + " (renamed or removed); pick another");
  const CheckpointInfo* pick = it != cps.end() ? &*it : cps.empty() ? nullptr : &cps.front();  // none picked: the newest
  if (!pick) return say("this run has no checkpoints yet");
  std::error_code ec;
  if (!fs::is_regular_file(pick->path, ec))
    return say(pick->path + " is gone (renamed or removed after it was listed); pick another");
  say("sampling " + pick->path + " in the Chains tab");
  ctx.load_model(pick->path);
  ctx.show_tab("chains");
}

void TrainingView::start_training(ViewContext& ctx) {
  const std::string refused = launcher_.start(ctx.export_folder);
  if (!refused.empty()) return say("not started: " + refused);
  say("starting: " + launcher_.request().cli_command());
  attach_when_started_ = true;  // the directory exists once the data is read
}

void TrainingView::set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) {
  if (launcher_.set_control(name, v)) return;
  if (name == "training_dir") std::snprintf(path_, sizeof path_, "%s", v.get<std::string>().c_str());
  else if (name == "checkpoint") checkpoint_ = v.get<std::string>();
  else if (name == "training_section") {
    const std::string v2 = v.get<std::string>();
    if (v2 != "curves" && v2 != "health" && v2 != "buffer") throw Error("training_section must be curves, health or buffer");
    section_ = v2;
  } else if (name == "buffer_order") buffer_.set_order(v.get<std::string>());
  else if (name == "training_wait_iteration") {
    const int64_t n = v.get<int64_t>();
    if (n < 0) throw Error(name + " must be at least 0");
    wait_iteration_ = n;
  }
}

void TrainingView::press(ViewContext& ctx, const std::string& button) {
  if (button == "attach") attach(ctx, path_);
  else if (button == "detach") detach();
  else if (button == "training_refresh" && watch_) refresh_after_ = watch_->polls() + 1;
  else if (button == "load_checkpoint") load_checkpoint(ctx);
  else if (button == "train_start") start_training(ctx);
  else if (button == "buffer_read") buffer_.read(ctx, run_.get());
  else launcher_.press(button);
}

bool TrainingView::busy() const {
  if (launcher_.settling()) return true;
  if (attach_when_started_) return true;
  if (section_ == "buffer" && (buffer_.busy() || buffer_.due(run_.get()))) return true;
  if (!watch_) return false;
  if (watch_->polls() == 0 || watch_->polls() <= refresh_after_) return true;  // a look at the directory is due
  const auto run = watch_->snapshot();
  // A script waiting for the run to reach an iteration (a run not there yet may still come;
  // the tab's own trainer failing ends the wait).
  return wait_iteration_ > 0 && run->last_iteration < wait_iteration_ && launcher_.status().state != TrainingState::kFailed;
}

void TrainingView::update(ViewContext& ctx) {
  recent_ = ctx.config.recent_runs();
  launcher_.refresh();
  const TrainingStatus& train = launcher_.status();
  if (launcher_.take_resumed() && (!watch_ || watch_->dir() != absolute_folder(launcher_.request().out)))
    attach(ctx, launcher_.request().out);  // Resume follows the run it resumes, not the one last attached
  if (attach_when_started_) {
    std::error_code ec;
    const std::string& out = launcher_.request().out;
    const bool exists = fs::is_directory(out, ec);
    if (exists || (train.state != TrainingState::kStarting)) {
      attach_when_started_ = false;
      if (exists) attach(ctx, out);
      if (train.state == TrainingState::kFailed) say(train.message);
    }
  }
  buffer_.update(ctx, run_.get(), section_ == "buffer");
  if (!watch_) return;
  std::shared_ptr<const RunSnapshot> run = watch_->snapshot();
  if (run->version == run_version_) return;
  run_ = run;
  run_version_ = run->version;
  plots_ = make_training_plots(*run_);
  IterationGrid grid;
  grid.scale = plots_.x_scale;
  grid.count = plots_.x_count;
  health_ = make_health_plots(*run_, grid);
  checkpoints_.clear();
  for (const CheckpointInfo& c : run_->checkpoints)
    if (c.name.find(".buffer.") == std::string::npos) checkpoints_.push_back(c);
  if (!run_->grid) shown_grid_.reset();
  if (run_->grid && run_->grid != shown_grid_) {
    const SampleGrid& g = *run_->grid;
    grid_image_->ensure(g.width, g.height, g.channels);
    grid_image_->upload(ctx.uploader, {Tile{0, 0, g.width, g.height, g.channels, g.pixels.data()}});
    DisplayParams p;
    p.lo = 0.0f;
    p.hi = 1.0f;
    grid_image_->render(ctx.colormap, p);
    shown_grid_ = run_->grid;
  }
}

nlohmann::json TrainingView::state() const {
  nlohmann::json j;
  j["recent"] = recent_;
  j["message"] = action_message_;
  j["checkpoint"] = checkpoint_;
  j["train"] = launcher_.state();
  j["attached"] = watch_ ? watch_->dir() : "";
  if (!run_) return j;
  const RunSnapshot& r = *run_;
  j["missing"] = r.missing;
  j["world_size"] = r.settings ? run_world_size(*r.settings) : 1;  // data-parallel ranks (config.json)
  j["iterations"] = r.last_iteration;
  j["records"] = r.records;
  j["bad_lines"] = r.bad_lines;
  j["long_lines"] = r.long_lines;
  j["restarts"] = r.restarts;
  j["bytes_read"] = r.bytes_read;
  j["polls"] = r.polls;
  j["messages"] = r.messages;
  nlohmann::json lengths = nlohmann::json::object();
  for (const auto& [key, points] : r.curves.series) lengths[key] = points.size();
  lengths["grad_norm_k"] = r.grad_k.size();
  lengths["step_norm_profile"] = r.step_profiles.size();
  lengths["fd"] = r.fd.size();
  j["curves"] = lengths;
  j["rollbacks"] = r.rollbacks.items();  // thinned to at most 2 * RunSnapshot::kMaxMarkers
  j["rollback_count"] = r.rollback_count;
  j["rollback_markers"] = plots_.rollbacks.size();
  j["events"] = r.curves.event_count;
  j["events_kept"] = r.curves.events.size();
  if (plots_.best_fd_iteration >= 0) j["best_fd"] = {{"fd", plots_.best_fd_value}, {"iteration", plots_.best_fd_iteration}};
  j["plot"] = {{"x_count", plots_.x_count}, {"x_scale", plots_.x_scale}, {"profiles", plots_.profiles.size()}};
  j["checkpoints"] = nlohmann::json::array();
  j["checkpoint_notes"] = nlohmann::json::object();
  for (const CheckpointInfo& c : checkpoints_) {
    j["checkpoints"].push_back(c.name);
    if (const std::string note = checkpoint_note(c.name); !note.empty()) j["checkpoint_notes"][c.name] = note;
  }
  j["section"] = section_;
  j["health"] = {{"checks", health_.checks}, {"fd_checks", health_.fd_checks}, {"last", health_.last},
                 {"buffer_points", health_.buffer_points}, {"x_count", health_.drift.empty() ? 0 : health_.drift.back().y.size()}};
  j["buffer"] = buffer_.state();
  if (r.grid) j["grid"] = {{"path", r.grid->path}, {"width", r.grid->width}, {"height", r.grid->height}, {"shown", shown_grid_ == r.grid}};
  return j;
}

void TrainingView::draw_attach(ViewContext& ctx) {
  ImGui::TextUnformatted("Run directory");
  ImGui::SetNextItemWidth(std::max(80.0f, ImGui::GetContentRegionAvail().x - button_width("Attach") - ImGui::GetStyle().ItemSpacing.x));
  const bool enter = ImGui::InputText("##training_dir", path_, sizeof path_, ImGuiInputTextFlags_EnterReturnsTrue);
  tip("a run directory made by `shortrun train` (config.json, metrics.jsonl, samples/, checkpoints/); Enter attaches");
  ImGui::SameLine();
  if (ImGui::Button("Attach") || enter) attach(ctx, path_);
  tip("follow this run read-only: its curves, newest sample grid and checkpoints update as the trainer writes them");
  // Everything here keeps its place whether attached or not and however many runs are listed, so
  // the controls below (the launcher's Stop) never move under the pointer.
  {
    DisabledWhy off(!watch_, "not attached to a run");
    if (ImGui::SmallButton("Detach")) detach();
    tip("stop following this run (the run itself is not touched)");
  }
  {
    ImGui::TextDisabled("recent:");
    std::string pick;
    if (ImGui::BeginListBox("##recent_runs", ImVec2(-1, 3 * ImGui::GetTextLineHeightWithSpacing() + 6))) {
      if (recent_.empty()) ImGui::TextDisabled("(none yet)");
      for (size_t i = 0; i < recent_.size(); ++i) {
        ImGui::PushID(int(i));
        if (ImGui::Selectable(recent_[i].c_str(), watch_ && watch_->dir() == recent_[i])) pick = recent_[i];
        ImGui::PopID();
      }
      ImGui::EndListBox();
    }
    tip("runs attached to recently (kept in the config folder): click one to attach to it again");
    if (!pick.empty()) attach(ctx, pick);  // after the loop: attach reorders the list
  }
}

void TrainingView::draw_checkpoints(ViewContext& ctx) {
  if (!ImGui::CollapsingHeader("Checkpoints", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const bool any = run_ && !checkpoints_.empty();
  // A fixed height (it scrolls): new checkpoints never push the controls below.
  if (ImGui::BeginListBox("##checkpoints", ImVec2(-1, 4 * ImGui::GetTextLineHeightWithSpacing() + 6))) {
    if (!run_ || checkpoints_.empty())
      ImGui::TextDisabled("%s", !run_ ? "attach to a run" : run_->missing ? "none (the run is not there now)" : "none yet");
    for (const CheckpointInfo& c : checkpoints_) {
      char label[200];
      // What each file is, in the list itself (latest.1 / latest.2 are the rotation's backups).
      const std::string note = checkpoint_note(c.name);
      std::snprintf(label, sizeof label, "%s  (%.1f MB)%s%s", c.name.c_str(), double(c.bytes) / 1e6, note.empty() ? "" : "  ",
                    note.c_str());
      const bool picked = c.name == checkpoint_ || (checkpoint_.empty() && &c == &checkpoints_.front());
      if (ImGui::Selectable(label, picked)) checkpoint_ = c.name;
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", c.name.c_str(), checkpoint_explanation(c.name).c_str());
      if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(0)) load_checkpoint(ctx);
    }
    ImGui::EndListBox();
  }
  tip("the run's checkpoints, newest first (double-click: sample it; hover one for what it is). latest.1 and "
      "latest.2 are backups: each checkpoint save moves latest to latest.1 and latest.1 to latest.2");
  {
    DisabledWhy off(!any, "the run has no checkpoint to sample yet");
    if (ImGui::Button("Sample this checkpoint")) load_checkpoint(ctx);
    tip("load the picked checkpoint into the Chains tab (compare the chains of an early and a late iteration)");
  }
}

void TrainingView::draw_run(ViewContext& ctx) {
  if (!run_) {
    ImGui::TextDisabled("Attach to a run directory, or start a run, to follow it here.");
    return;
  }
  const RunSnapshot& r = *run_;
  const ImVec4 red(1.0f, 0.45f, 0.4f, 1.0f);
  const int world = r.settings ? run_world_size(*r.settings) : 1;
  ImGui::TextWrapped("%s: iteration %lld, %lld lines read, %zu checkpoint(s)%s%s", r.dir.c_str(), static_cast<long long>(r.last_iteration),
              static_cast<long long>(r.records), checkpoints_.size(),
              world > 1 ? ("; data-parallel, " + std::to_string(world) + " ranks").c_str() : "",
              r.rollback_count == 0 ? "" : ("; " + std::to_string(r.rollback_count) + " rollback(s) (red lines)").c_str());
  if (world > 1 && ImGui::IsItemHovered())
    ImGui::SetTooltip("config.json's world_size: the run last ran on %d data-parallel ranks (rank 0 writes this directory); "
                      "the curves are the ranks' reduced figures, the same as one process would log", world);
  if (r.missing) ImGui::TextColored(red, "%s", r.messages.empty() ? "metrics.jsonl is not there" : r.messages.back().c_str());
  // What the area below shows: a row of choices with fixed labels, so where they sit depends only on
  // the width (a narrow window puts the last ones on a second line).
  bool first = true;
  const auto choice = [&](const char* label, const char* id, const char* help) {
    const ImGuiStyle& st = ImGui::GetStyle();
    const float w = ImGui::GetFrameHeight() + st.ItemInnerSpacing.x + ImGui::CalcTextSize(label).x;
    if (!first) {
      ImGui::SameLine();
      if (ImGui::GetContentRegionAvail().x < w) ImGui::NewLine();
    }
    first = false;
    if (ImGui::RadioButton(label, section_ == id)) section_ = id;
    tip(help);
  };
  choice("curves", "curves", "the training curves (as `shortrun plot` draws them), the newest sample grid");
  choice("long-run health", "health", "chains continued from K to K2 steps every --long-run-every iterations: drift, short vs long FD and f");
  choice("replay buffer", "buffer", "a persistent run's replay buffer: its chains, their f and ages, re-initialisations over iterations");
  if (section_ == "health") return draw_health(ctx);
  if (section_ == "buffer") {
    PlotSpec axis = iteration_spec(0, false);
    return buffer_.draw(ctx, r, health_, axis);
  }
  draw_curves(ctx);
}

PlotSpec TrainingView::iteration_spec(float height, bool log_y) const {
  PlotSpec s;
  s.size = ImVec2(0, height);
  s.x_count = plots_.x_count;
  s.x_scale = plots_.x_scale;
  s.x_label = "iteration";
  s.alerts = plots_.rollbacks;
  s.log_y = log_y;
  return s;
}

void TrainingView::draw_health(ViewContext& ctx) {
  const float avail_w = ImGui::GetContentRegionAvail().x, spacing = ImGui::GetStyle().ItemSpacing.x;
  const float line = ImGui::GetTextLineHeightWithSpacing();
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("%s", health_caption());
  tip(health_explanation());
  if (health_.checks == 0)
    ImGui::TextDisabled("No long-run checks in this run (yet): `shortrun train --long-run-every N` logs them to metrics.jsonl.");
  else
    ImGui::TextUnformatted(health_.last.c_str());
  ImGui::PopTextWrapPos();
  const float avail_h = ImGui::GetContentRegionAvail().y;
  const float plot_h = std::max(60.0f, (avail_h - 2 * (line + ImGui::GetStyle().ItemSpacing.y) - 8) / 2.0f);
  const float half = (avail_w - spacing) / 2;
  const auto column = [&](const char* id, const char* title, const PlotSpec& s, const std::vector<PlotSeries>& series) {
    ImGui::BeginChild(id, ImVec2(half, s.size.y + line + 2), false, ImGuiWindowFlags_NoScrollbar);
    if (series.size() == 2 && series[0].name.empty()) ImGui::TextUnformatted(title);  // the drift: its zero line and one series
    else legend_title(title, series);
    plot_lines(id, s, series);
    ImGui::EndChild();
  };
  column("drift", "drift f(x_K2) - f(x_K), 10..90% shaded", iteration_spec(plot_h, false), health_.drift);
  ImGui::SameLine();
  PlotSpec fd = iteration_spec(plot_h, false);
  if (health_.checks > 0 && health_.fd_checks == 0) fd.note = "no FD in these checks (null: no feature net)";
  column("health_fd", "FD:", fd, health_.fd);
  column("health_energy", "mean f:", iteration_spec(plot_h, false), health_.energy);
  ImGui::SameLine();
  column("health_saturation", "saturated, |x| >= 0.99:", iteration_spec(plot_h, false), health_.saturation);
}

void TrainingView::draw_curves(ViewContext& ctx) {
  const float avail_w = ImGui::GetContentRegionAvail().x, spacing = ImGui::GetStyle().ItemSpacing.x;
  const float avail_h = ImGui::GetContentRegionAvail().y;
  const float line = ImGui::GetTextLineHeightWithSpacing();
  // Rows: [grid | energy, gap], [gradient | step profile], [saturation | lr], [evaluation FD].
  // Five plots stacked (energy, gap, gradient, saturation, FD), each under a title line.
  const float plot_h = std::max(60.0f, (avail_h - 5 * (line + ImGui::GetStyle().ItemSpacing.y) - 8) / 5.0f);
  const float grid_side = std::min(2 * plot_h + line, avail_w * 0.35f);
  const float half = (avail_w - spacing) / 2;
  const auto spec = [&](float height, bool log_y) {
    PlotSpec s;
    s.size = ImVec2(0, height);
    s.x_count = plots_.x_count;
    s.x_scale = plots_.x_scale;
    s.x_label = "iteration";
    s.alerts = plots_.rollbacks;
    s.log_y = log_y;
    return s;
  };

  ImGui::BeginGroup();
  if (shown_grid_ && grid_image_->valid()) {
    char caption[160];
    std::snprintf(caption, sizeof caption, "samples: %s", fs::path(shown_grid_->path).filename().c_str());
    ImGui::TextUnformatted(caption);
    ImGui::Image(grid_image_->id(), ImVec2(grid_side, grid_side * float(shown_grid_->height) / float(shown_grid_->width)));
    tip("the newest sample grid the trainer wrote (samples/iter_NNNNNN.png)");
  } else {
    ImGui::TextUnformatted("samples");
    ImGui::Dummy(ImVec2(grid_side, 1));
    ImGui::TextDisabled("no sample grid yet");
  }
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  legend_title("energy:", plots_.energy);
  plot_lines("energy", spec(plot_h, false), plots_.energy);
  legend_title("gap f(data) - f(samples)", plots_.gap);
  plot_lines("gap", spec(plot_h, false), plots_.gap);
  ImGui::EndGroup();

  // Two plots side by side, each in a child of its own width (plot_lines fills the width).
  const auto column = [&](const char* id, const char* title, const PlotSpec& s, const std::vector<PlotSeries>& series,
                          bool ends_only = false) {
    ImGui::BeginChild(id, ImVec2(half, s.size.y + line + 2), false, ImGuiWindowFlags_NoScrollbar);
    legend_title(title, series, ends_only);
    plot_lines(id, s, series);
    ImGui::EndChild();
  };
  column("gradient", "|grad f| (log):", spec(plot_h, true), plots_.gradient);
  ImGui::SameLine();
  PlotSpec prof;
  prof.size = ImVec2(0, plot_h);
  prof.x_count = plots_.profile_bins;
  prof.x_label = "k bin";
  prof.log_y = true;
  column("profile", "|x_k+1 - x_k| over k (log):", prof, plots_.profiles, true);
  column("saturation", "saturated pixels, |x| >= 0.99", spec(plot_h, false), plots_.saturation);
  ImGui::SameLine();
  column("lr", "learning rate (log)", spec(plot_h, true), plots_.lr);
  ImGui::TextUnformatted("evaluation FD");
  ImGui::SameLine();
  if (plots_.best_fd.empty()) ImGui::TextDisabled("(none in this run: --eval-every N)");
  else ImGui::TextColored(ImVec4(1.0f, 0.84f, 0.0f, 1.0f), "%s", plots_.best_fd.c_str());
  plot_lines("fd", spec(plot_h, false), plots_.fd);
}

void TrainingView::draw(ViewContext& ctx) {
  const float left_w = std::min(360.0f * ctx.ui_scale, ImGui::GetContentRegionAvail().x * 0.4f);
  ImGui::BeginChild("training_controls", ImVec2(left_w, 0), false);
  draw_attach(ctx);
  {
    ReservedLines room(2);  // a message coming and going never moves the controls below
    if (!action_message_.empty()) ImGui::TextWrapped("%s", action_message_.c_str());
  }
  ImGui::Separator();
  draw_checkpoints(ctx);
  if (launcher_.draw()) start_training(ctx);
  if (run_ && !run_->messages.empty()) {
    ImGui::Separator();
    ImGui::TextDisabled("from the run:");
    for (auto it = run_->messages.rbegin(); it != run_->messages.rend(); ++it) ImGui::TextWrapped("%s", it->c_str());
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("training_run", ImVec2(0, 0), false);
  draw_run(ctx);
  ImGui::EndChild();
}

}  // namespace

std::unique_ptr<View> make_training_view() { return std::make_unique<TrainingView>(); }

}  // namespace shortrun::explorer

// BufferPanel (buffer_panel.h): posts the buffer job, shows its chains, ages and energies.
#include "views/training/buffer_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "shortrun/base/error.h"
#include "widgets/disabled_why.h"
#include "widgets/histogram_plot.h"
#include "widgets/layout_util.h"
#include "widgets/plots.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {
const char* const kOrders[] = {"slot", "oldest", "youngest", "highest_f", "lowest_f"};
const char* const kOrderLabels = "buffer slot\0oldest first\0youngest first\0highest f first\0lowest f first\0";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
std::string key_of(const CheckpointInfo& c) { return c.path + "|" + std::to_string(c.bytes) + "|" + std::to_string(c.mtime_ns); }
}  // namespace

const CheckpointInfo* newest_buffer_file(const std::vector<CheckpointInfo>& checkpoints) {
  const CheckpointInfo* newest = nullptr;
  for (const CheckpointInfo& c : checkpoints) {
    if (c.name == "latest.buffer.safetensors") return &c;
    if (ends_with(c.name, ".buffer.safetensors") && (!newest || c.mtime_ns > newest->mtime_ns)) newest = &c;
  }
  return newest;
}

void BufferPanel::set_order(const std::string& order) {
  if (std::find(std::begin(kOrders), std::end(kOrders), order) == std::end(kOrders))
    throw Error("buffer_order must be slot, oldest, youngest, highest_f or lowest_f");
  order_ = order;
  grid_key_ = 0;  // uploaded again in the new order
}

void BufferPanel::reset() {
  contents_watch_.clear(contents_);
  energies_watch_.clear(energies_);
  error_.clear();
  energies_error_.clear();
  requested_key_.clear();
  requested_ = false;
  ages_ = AgeHistogram{};
  grid_key_ = 0;
}

void BufferPanel::read(ViewContext& ctx, const RunSnapshot* run) {
  const CheckpointInfo* file = run ? newest_buffer_file(run->checkpoints) : nullptr;
  if (!file) {
    error_ = run ? "no replay buffer in " + run->dir + "/checkpoints (only runs with --init persistent have one)" : "attach to a run first";
    return;
  }
  requested_key_ = key_of(*file);
  requested_ = true;
  error_.clear();
  post_buffer_job(*ctx.session.view_jobs, file->path, kMaxShown, contents_watch_.slot, energies_watch_.slot);
}

void BufferPanel::update(ViewContext& ctx, const RunSnapshot* run, bool shown) {
  if (contents_watch_.changed()) {
    std::string err;
    if (contents_watch_.take(contents_, err)) {
      ++contents_version_;
      grid_key_ = 0;
      ages_ = contents_ ? age_histogram(contents_->ages) : AgeHistogram{};
      energies_.reset();
    }
    if (!err.empty() && err != error_) ctx.error("replay buffer: " + err);  // one line in the status bar
    error_ = err;
    if (!contents_watch_.slot->running.load()) requested_ = false;
  }
  if (energies_watch_.changed()) {
    std::string err;
    energies_watch_.take(energies_, err);
    energies_error_ = err;
    grid_key_ = 0;  // the order by f may change
  }
  // A job taken off the queue before it started (stopped in the job list) never reports.
  if (requested_ && ctx.session.view_jobs->idle() && !contents_watch_.pending()) requested_ = false;
  // A new checkpoint generation brings a new buffer file: read it while the section is shown.
  if (shown && run && !requested_) {
    const CheckpointInfo* file = newest_buffer_file(run->checkpoints);
    if (file && key_of(*file) != requested_key_) read(ctx, run);
  }
  if (contents_ && grid_key_ == 0) upload(ctx);
}

std::vector<int> BufferPanel::order_of_tiles() const {
  std::vector<int> order;
  if (!contents_) return order;
  const int n = int(contents_->shown.size());
  order.resize(size_t(n));
  std::iota(order.begin(), order.end(), 0);
  const auto age = [&](int t) { return contents_->ages[size_t(contents_->shown[size_t(t)])]; };
  const auto f = [&](int t) {
    const size_t slot = size_t(contents_->shown[size_t(t)]);
    return energies_ && slot < energies_->f.size() && std::isfinite(energies_->f[slot]) ? energies_->f[slot] : NAN;
  };
  if (order_ == "oldest") std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return age(a) > age(b); });
  if (order_ == "youngest") std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return age(a) < age(b); });
  // Chains not scored yet go last.
  const auto by_f = [&](bool high) {
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      const float fa = f(a), fb = f(b);
      if (std::isnan(fa) || std::isnan(fb)) return !std::isnan(fa) && std::isnan(fb);
      return high ? fa > fb : fa < fb;
    });
  };
  if (order_ == "highest_f") by_f(true);
  if (order_ == "lowest_f") by_f(false);
  return order;
}

void BufferPanel::upload(ViewContext& ctx) {
  const std::vector<int> order = order_of_tiles();
  const ImageShape& s = contents_->shape;
  const size_t one = s.image_floats();
  std::vector<float> pixels(order.size() * one);
  for (size_t t = 0; t < order.size(); ++t)
    std::copy_n(contents_->images.begin() + std::ptrdiff_t(size_t(order[t]) * one), one, pixels.begin() + std::ptrdiff_t(t * one));
  const int cols = std::max(1, int(std::ceil(std::sqrt(double(order.size())))));
  grid_key_ = (contents_version_ << 8) + uint64_t(std::find(std::begin(kOrders), std::end(kOrders), order_) - std::begin(kOrders)) + 1 +
              (energies_ ? uint64_t(energies_->done) << 32 : 0);
  grid_.show(ctx.uploader, ctx.colormap, pixels.data(), int(order.size()), cols, s, grid_key_);
}

bool BufferPanel::busy() const {
  return requested_ || contents_watch_.pending() || energies_watch_.pending() || contents_watch_.slot->running.load() ||
         energies_watch_.slot->running.load();
}

bool BufferPanel::due(const RunSnapshot* run) const {
  const CheckpointInfo* file = run ? newest_buffer_file(run->checkpoints) : nullptr;
  return file && !requested_ && key_of(*file) != requested_key_;
}

void BufferPanel::draw(ViewContext& ctx, const RunSnapshot& run, const HealthPlots& health, const PlotSpec& axis) {
  const float line = ImGui::GetTextLineHeightWithSpacing(), spacing = ImGui::GetStyle().ItemSpacing.x;
  const CheckpointInfo* file = newest_buffer_file(run.checkpoints);
  // Line 1: which file, and the buttons (always there, so nothing moves when a file arrives).
  {
    DisabledWhy off(!file, "this run has no replay buffer file (train --init persistent writes checkpoints/latest.buffer.safetensors)");
    if (ImGui::Button("Read again")) read(ctx, &run);
    tip("read the newest buffer file again and score its chains (a job: the list below the sidebar shows it and stops it)");
  }
  ImGui::SameLine();
  int order = int(std::find(std::begin(kOrders), std::end(kOrders), order_) - std::begin(kOrders));
  ImGui::SetNextItemWidth(150 * ctx.ui_scale);
  if (ImGui::Combo("order", &order, kOrderLabels)) set_order(kOrders[order]);
  tip("how the grid's chains are laid out: by buffer slot, by age, or by f (once scored)");
  ImGui::SameLine();
  if (!file) ImGui::TextDisabled("no buffer file (not a persistent run, or no checkpoint yet)");
  else ImGui::TextDisabled("%s", ("checkpoints/" + file->name).c_str());
  // Line 2: what was read, or why not (one line: the whole error in its tooltip and the status
  // bar); line 3: the scoring.
  {
    ReservedLines room(3);  // a narrow window wraps the counts onto a second line
    if (!error_.empty()) {
      // The file by its name here (the reason then fits), with its whole path in the tooltip.
      std::string shown = error_;
      if (file && shown.rfind(file->path, 0) == 0) shown = file->name + shown.substr(file->path.size());
      ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", shown.c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
        ImGui::TextUnformatted(error_.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
    } else if (contents_) {
      double mean = 0;
      for (int64_t a : contents_->ages) mean += double(a);
      mean /= double(std::max<size_t>(1, contents_->ages.size()));
      ImGui::TextWrapped("%lld chains, %dx%dx%d; mean age %.3g; %lld re-initialised in all", static_cast<long long>(contents_->size),
                         contents_->shape.c, contents_->shape.h, contents_->shape.w, mean, static_cast<long long>(contents_->reinit_total));
    } else if (requested_) {
      ImGui::TextDisabled("reading...");
    }
    if (contents_) {
      const int64_t done = energies_ ? energies_->done : energies_watch_.slot->done.load();
      if (energies_watch_.slot->running.load())
        ImGui::TextDisabled("f under %s: %lld of %lld chains...", fs::path(contents_->weights).filename().c_str(),
                            static_cast<long long>(done), static_cast<long long>(contents_->size));
      else if (energies_)
        ImGui::TextDisabled("f under %s%s", fs::path(energies_->weights).filename().c_str(),
                            energies_->stopped ? (": stopped after " + std::to_string(energies_->done) + " chains").c_str() : "");
      tip("f of every chain under the weights saved with this buffer (the checkpoint of the same generation, whose "
          "weights ran these chains)");
    }
  }

  const float avail_w = ImGui::GetContentRegionAvail().x, avail_h = ImGui::GetContentRegionAvail().y;
  // Three plot heights: two on the right of the grid (each under a title), one row under it (a
  // title above, a line of words below).
  const float gap_y = ImGui::GetStyle().ItemSpacing.y;
  const float plot_h = std::max(70.0f, (avail_h - 4 * line - 4 * gap_y - 8) / 3.0f);
  const float side = std::max(80.0f, std::min(avail_w * 0.45f, 2 * plot_h + line));
  ImGui::BeginGroup();
  if (contents_) ImGui::Text("%zu of the chains (hover: slot, age, f)", contents_->shown.size());
  else ImGui::TextUnformatted("chains");
  if (contents_ && !grid_.empty()) {
    const float tile = grid_.fit_tile(side, side);
    const ImageGrid::Hit hit = grid_.draw("buffer_grid", tile);
    hovered_ = hit.hovered;
    if (hit.hovered >= 0) {
      const std::vector<int> order = order_of_tiles();
      if (size_t(hit.hovered) < order.size()) {
        const size_t slot = size_t(contents_->shown[size_t(order[size_t(hit.hovered)])]);
        const float f = energies_ && slot < energies_->f.size() ? energies_->f[slot] : NAN;
        ImGui::SetTooltip("slot %zu, age %lld, f %s", slot, static_cast<long long>(contents_->ages[slot]),
                          std::isfinite(f) ? std::to_string(f).c_str() : "(not scored)");
      }
    }
  } else {
    ImGui::Dummy(ImVec2(side, side));
  }
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const float right_w = std::max(60.0f, ImGui::GetContentRegionAvail().x);
  ImGui::Text("age histogram (%lld chains)", static_cast<long long>(ages_.total()));
  {
    std::vector<float> counts(ages_.counts.begin(), ages_.counts.end());
    char overlay[96] = "";
    if (!counts.empty())
      std::snprintf(overlay, sizeof overlay, "ages %lld .. %lld", static_cast<long long>(ages_.first),
                    static_cast<long long>(ages_.first + ages_.width * int64_t(counts.size()) - 1));
    ImGui::PlotHistogram("##ages", counts.empty() ? nullptr : counts.data(), int(counts.size()), 0, overlay, 0.0f, FLT_MAX,
                         ImVec2(right_w, plot_h));
    tip("how many chains have each age (K-step runs since their (re-)initialisation); young chains are fresh noise");
  }
  ImGui::TextUnformatted("f of the buffer's chains");
  std::vector<HistSeries> fs_series(1);
  fs_series[0].name = "buffer";
  fs_series[0].color = IM_COL32(240, 150, 60, 160);
  if (energies_)
    for (float f : energies_->f)
      if (std::isfinite(f)) fs_series[0].values.push_back(f);
  histogram_plot("buffer_f", ImVec2(right_w, plot_h), fs_series, {}, 40, "f(x)");
  ImGui::EndGroup();

  const float half = (avail_w - spacing) / 2;
  PlotSpec s = axis;
  s.size = ImVec2(0, plot_h);
  ImGui::BeginChild("buffer_ages", ImVec2(half, plot_h + line + 2), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::TextUnformatted("age over iterations:");
  for (const PlotSeries& p : health.ages) {
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(p.color), "%s", p.name.c_str());
  }
  plot_lines("buffer_age_plot", s, health.ages);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("buffer_reinit", ImVec2(half, plot_h + line + 2), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::TextUnformatted("chains re-initialised since the start");
  plot_lines("buffer_reinit_plot", s, health.reinit);
  ImGui::EndChild();
  ImGui::TextDisabled("%s", health.buffer_last.empty() ? "no \"buffer\" statistics in metrics.jsonl" : health.buffer_last.c_str());
}

nlohmann::json BufferPanel::state() const {
  nlohmann::json j;
  j["order"] = order_;
  j["error"] = error_;
  j["busy"] = busy();
  if (contents_) {
    j["file"] = contents_->path;
    j["weights"] = contents_->weights;
    j["size"] = contents_->size;
    j["shown"] = contents_->shown.size();
    j["grid_tiles"] = grid_.empty() ? 0 : int(contents_->shown.size());
    j["grid_uploaded"] = !grid_.empty();
    j["reinit_total"] = contents_->reinit_total;
    j["age_histogram"] = {{"first", ages_.first}, {"width", ages_.width}, {"counts", ages_.counts}, {"total", ages_.total()}};
  }
  if (energies_) {
    int64_t finite = 0;
    double sum = 0;
    for (float f : energies_->f)
      if (std::isfinite(f)) ++finite, sum += f;
    j["energies"] = {{"done", energies_->done}, {"finite", finite}, {"stopped", energies_->stopped},
                     {"mean", finite ? sum / double(finite) : 0.0}};
  }
  return j;
}

}  // namespace shortrun::explorer

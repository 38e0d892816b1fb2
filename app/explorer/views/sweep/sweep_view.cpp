// K × step-size contact sheet (issue #13): one chain (same z, same noise seed) under the Chains
// tab's sampler, rows = the K values, columns = the step sizes, both lists editable. Hovering a
// cell reads out f, ‖∇f‖ and the saturated fraction (and FD when asked for); clicking it sets the
// sampler to that K and step size and shows the Chains tab. Cells appear as they are computed;
// a stopped sheet stays as far as it got. Exports the PNG `shortrun sweep` draws, its settings
// and that command.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "display/image_export.h"
#include "display/image_grid.h"
#include "shortrun/base/error.h"
#include "views/export_report.h"
#include "views/sweep/sweep_job.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "widgets/plots.h"
#include "widgets/view_widgets.h"
#include "worker/jobs_text.h"

namespace shortrun::explorer {


namespace {

// "10, 25,50" -> {10, 25, 50}; throws shortrun::Error naming the bad entry.
template <typename T>
std::vector<T> parse_list(const std::string& text, const char* what, T lo, T hi) {
  std::vector<T> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    std::istringstream is(item);
    T v{};
    if (!(is >> v) || !is.eof() || !(v >= lo && v <= hi))
      throw Error(std::string("contact sheet: ") + what + " '" + item + "' is not a number in " +
                  std::to_string(lo) + ".." + std::to_string(hi));
    out.push_back(v);
  }
  if (out.empty() || out.size() > 16) throw Error(std::string("contact sheet: expected 1..16 ") + what + " values, comma-separated");
  return out;
}

template <typename T>
std::string join(const std::vector<T>& v) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  return os.str();
}

class SweepView : public View {
 public:
  const char* title() const override { return "K \xC3\x97 step"; }  // "K × step"
  const char* id() const override { return "sweep"; }
  bool needs_energy_model() const override { return true; }

  std::vector<std::string> controls() const override {
    return {"sweep_steps", "sweep_step_sizes", "sweep_chain", "sweep_fd", "sweep_cell", "sweep_export_folder"};
  }
  // Names are unique across all views: a script presses the first view's button of that name.
  std::vector<std::string> buttons() const override { return {"sweep", "sweep_stop", "sweep_export"}; }

  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) override {
    const auto text = [&] { return v.is_string() ? v.get<std::string>() : v.is_array() ? list_text(v) : v.dump(); };
    if (name == "sweep_steps") steps_ = parse_list<int>(text(), "K", 0, 100000);
    else if (name == "sweep_step_sizes") step_sizes_ = parse_list<float>(text(), "step size", 0.0f, 1e6f);
    else if (name == "sweep_chain") chain_ = std::clamp(v.get<int>(), 0, 1 << 20);
    else if (name == "sweep_fd") fd_n_ = std::clamp(v.get<int>(), 0, 10000), fd_n_ = fd_n_ == 1 ? 2 : fd_n_;
    else if (name == "sweep_cell") pick_cell(ctx, v.at(0).get<int>(), v.at(1).get<int>());
    else if (name == "sweep_export_folder") export_folder_ = v.get<std::string>();
    else throw Error("sweep: no control " + name);
    if (name == "sweep_steps") steps_error_.clear();
    if (name == "sweep_step_sizes") sizes_error_.clear();
    sync_fields();
  }

  void press(ViewContext& ctx, const std::string& button) override {
    if (button == "sweep") run(ctx);
    else if (button == "sweep_stop") stop(ctx);
    else if (button == "sweep_export") export_now(ctx);
    else throw Error("sweep: no button " + button);
  }

  void model_changed(ViewContext& ctx) override {
    stop(ctx);
    data_.slot->clear();  // what the stopped job still hands over is for the old model: dropped
  }

  void release_gl() override { grid_.release(); }

  void update(ViewContext& ctx) override {
    if (data_.changed()) shown_ = data_.slot->result();
    export_.update(ctx);
    if (shown_) grid_.show(ctx.uploader, ctx.colormap, shown_->images.data(), shown_->rows * shown_->cols, shown_->cols, shown_->shape, shown_->id);
  }

  // Until update() has taken what the views' thread handed over.
  bool busy() const override { return data_.pending() || export_.pending(); }

  void draw(ViewContext& ctx) override {
    draw_controls(ctx);
    ImGui::Separator();
    if (!shown_) {
      ImGui::TextDisabled("press Run: chain %d of seed %d at every K (rows) and step size (columns)", chain_,
                          ctx.session.sampler.seed);
      return;
    }
    const SweepData& d = *shown_;
    // Column headers (step sizes) over the grid, row labels (K) on its left.
    const float label_w = ImGui::CalcTextSize("K=100000").x + 8;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float tile = grid_.fit_tile(avail.x - label_w, avail.y - 2 * ImGui::GetTextLineHeightWithSpacing());
    const float gap = 2.0f;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    for (int c = 0; c < d.cols; ++c) {
      char h[32];
      std::snprintf(h, sizeof(h), "step %g", double(d.request.step_sizes[size_t(c)]));
      dl->AddText(ImVec2(origin.x + label_w + c * (tile + gap), origin.y), text, h);
    }
    ImGui::Dummy(ImVec2(0, ImGui::GetTextLineHeightWithSpacing()));
    const ImVec2 grid_origin = ImGui::GetCursorScreenPos();
    for (int r = 0; r < d.rows; ++r) {
      char k[32];
      std::snprintf(k, sizeof(k), "K=%d", d.request.steps[size_t(r)]);
      dl->AddText(ImVec2(grid_origin.x, grid_origin.y + r * (tile + gap) + tile / 2 - 7), text, k);
    }
    ImGui::SetCursorScreenPos(ImVec2(grid_origin.x + label_w, grid_origin.y));
    const ImageGrid::Hit hit = grid_.draw("sheet", tile, gap, current_cell(ctx, d));
    if (hit.hovered >= 0 && std::isnan(d.energy[size_t(hit.hovered)])) {
      ImGui::SetTooltip(d.stopped ? "not computed: the sheet was stopped" : "not computed yet");
    } else if (hit.hovered >= 0) {
      const int r = hit.hovered / d.cols, c = hit.hovered % d.cols;
      const size_t i = size_t(hit.hovered);
      std::string fd;
      if (d.request.fd_n > 0) fd = "\nFD (" + count_of(d.request.fd_n, "chain") + ") = " + std::to_string(d.fd[i]);
      ImGui::SetTooltip("K = %d, step size %g\nf = %.4g  |grad f| = %.3g  saturated %.1f%%%s\nclick: set the sampler to this "
                        "and show the Chains tab",
                        d.request.steps[size_t(r)], double(d.request.step_sizes[size_t(c)]), d.energy[i], d.grad_norm[i],
                        100 * d.saturated[i], fd.c_str());
      if (hit.clicked) pick_cell(ctx, r, c);
    }
  }

  nlohmann::json state() const override {
    nlohmann::json j = {{"steps", steps_}, {"step_sizes", step_sizes_}, {"chain", chain_}, {"fd_n", fd_n_},
                        {"export_folder", export_folder_}, {"steps_field", steps_field_}, {"steps_error", steps_error_},
                        {"sizes_field", sizes_field_}, {"sizes_error", sizes_error_}};
    if (!export_.last().is_null()) j["last_export"] = export_.last();
    if (const auto d = data_.slot->result()) {
      j["sheet"] = {{"id", d->id}, {"rows", d->rows}, {"cols", d->cols}, {"request", to_json(d->request)},
                    {"energy", d->energy}, {"grad_norm", d->grad_norm}, {"saturated", d->saturated},
                    {"seconds", d->seconds}, {"threads", d->threads}, {"cells_done", d->cells_done},
                    {"complete", d->complete}, {"stopped", d->stopped}};
      if (d->request.fd_n > 0) j["sheet"]["fd"] = d->fd;
    }
    return j;
  }

 private:
  static std::string list_text(const nlohmann::json& a) {
    std::string s;
    for (const auto& v : a) s += (s.empty() ? "" : ",") + v.dump();
    return s;
  }

  void sync_fields() {
    std::snprintf(steps_field_, sizeof(steps_field_), "%s", join(steps_).c_str());
    std::snprintf(sizes_field_, sizeof(sizes_field_), "%s", join(step_sizes_).c_str());
  }

  // The cell whose K and step size the sampler has now (-1: none).
  int current_cell(const ViewContext& ctx, const SweepData& d) const {
    const SamplerSettings& s = ctx.session.sampler;
    for (int r = 0; r < d.rows; ++r)
      for (int c = 0; c < d.cols; ++c)
        if (d.request.steps[size_t(r)] == s.steps && d.request.step_sizes[size_t(c)] == s.step_size) return r * d.cols + c;
    return -1;
  }

  void pick_cell(ViewContext& ctx, int row, int col) {
    if (!shown_ || row < 0 || col < 0 || row >= shown_->rows || col >= shown_->cols)
      throw Error("sweep: no cell (" + std::to_string(row) + ", " + std::to_string(col) + ") in the sheet shown");
    SamplerSettings& s = ctx.session.sampler;
    s.steps = shown_->request.steps[size_t(row)];
    s.step_size = shown_->request.step_sizes[size_t(col)];
    ctx.status("sampler set to K = " + std::to_string(s.steps) + ", step size " + std::to_string(s.step_size));
    ctx.show_tab("chains");
  }

  void run(ViewContext& ctx) {
    const Session& s = ctx.session;
    if (!s.pub.model) {
      ctx.error("contact sheet: no model loaded");
      return;
    }
    if (!steps_error_.empty() || !sizes_error_.empty()) {
      ctx.error("contact sheet not started: fix the list first (" + (steps_error_.empty() ? sizes_error_ : steps_error_) + ")");
      return;
    }
    SweepRequest r;
    r.model = s.pub.model->path;
    r.sampler = s.sampler;
    r.steps = steps_;
    r.step_sizes = step_sizes_;
    r.chain = chain_;
    r.fd_n = fd_n_;
    Session* session = &ctx.session;
    ctx.session.run_or_ask(sheet_what(r), ctx.session.costs.seconds(WorkKind::kChainStep, sheet_chain_steps(r)), [this, r, session] {
      job_ = post_sweep(*session->view_jobs, r, data_.slot);
    });
  }

  // A sheet's work: every cell runs its chain (and fd_n more for the FD) for its row's K.
  static double sheet_chain_steps(const SweepRequest& r) {
    double k = 0;
    for (int s : r.steps) k += s;
    return k * double(r.step_sizes.size()) * double(1 + r.fd_n);
  }
  static std::string sheet_what(const SweepRequest& r) {
    return "K x step sheet: " + std::to_string(r.steps.size()) + " x " + std::to_string(r.step_sizes.size()) + " cells" +
           (r.fd_n > 0 ? ", FD over " + count_of(r.fd_n, "chain") + " each" : "");
  }

  void stop(ViewContext& ctx) {
    if (job_) ctx.session.view_jobs->cancel(job_);
  }

  void export_now(ViewContext& ctx) {
    std::shared_ptr<const SweepData> d = shown_;
    if (!d) {
      ctx.error("contact-sheet export: nothing to export until a sheet has been computed");
      return;
    }
    if (!d->complete) {
      ctx.error("contact-sheet export: the sheet has " + std::to_string(d->cells_done) + " of " +
                std::to_string(d->rows * d->cols) + " cells; export a finished sheet (run it again)");
      return;
    }
    const std::string png = export_path(ctx.folder_for(export_folder_), "sweep_seed" + std::to_string(d->request.sampler.seed), ".png");
    export_.posted(png, sweep_command_line(*d, png));
    post_sweep_export(*ctx.session.view_jobs, d, png, export_.slot());
  }

  void draw_controls(ViewContext& ctx) {
    if (steps_field_[0] == 0) sync_fields();
    // A bad list keeps its text (marked, with the error) so it can be fixed rather than retyped.
    const auto edit_list = [&](const char* label, char* buf, size_t size, std::string& error, auto apply) {
      ImGui::SetNextItemWidth(170);
      if (!error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Border, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
        ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 1.5f);
      }
      ImGui::InputText(label, buf, size);
      if (!error.empty()) {
        ImGui::PopStyleVar();
        ImGui::PopStyleColor();
      }
      if (ImGui::IsItemDeactivatedAfterEdit()) {
        try {
          apply(std::string(buf));
          error.clear();
          sync_fields();
        } catch (const std::exception& e) {
          error = e.what();
          ctx.error(error);
        }
      }
    };
    edit_list("K values (rows)", steps_field_, sizeof(steps_field_), steps_error_,
              [&](const std::string& t) { steps_ = parse_list<int>(t, "K", 0, 100000); });
    tip(steps_error_.empty() ? "comma-separated numbers of Langevin steps, one row each (applied on Enter)" : steps_error_.c_str());
    same_line_if_fits(labelled_width("step sizes (columns)", 170));
    edit_list("step sizes (columns)", sizes_field_, sizeof(sizes_field_), sizes_error_,
              [&](const std::string& t) { step_sizes_ = parse_list<float>(t, "step size", 0.0f, 1e6f); });
    tip(sizes_error_.empty() ? "comma-separated step sizes, one column each (applied on Enter)" : sizes_error_.c_str());
    same_line_if_fits(labelled_width("chain", 90));
    ImGui::SetNextItemWidth(90);
    ImGui::InputInt("chain", &chain_);
    chain_ = std::clamp(chain_, 0, 1 << 20);
    tip("the chain every cell shows: its start z and noise u_k under the Sampler panel's seed");
    same_line_if_fits(labelled_width("FD n", 90));
    ImGui::SetNextItemWidth(90);
    ImGui::InputInt("FD n", &fd_n_, 0);
    fd_n_ = std::clamp(fd_n_, 0, 10000);
    if (fd_n_ == 1) fd_n_ = 2;
    tip("0: none. Else the FD of n chains per cell against the last n training images (as tune-sampler and "
        "`shortrun sweep --fd`); costs n chains per cell");
    if (ImGui::Button("Run sheet")) run(ctx);
    {
      // The estimate before it starts (over 10 s, a yes is asked first).
      SweepRequest est;
      est.steps = steps_, est.step_sizes = step_sizes_, est.fd_n = fd_n_;
      const std::string t = "run the sheet with the Sampler panel's noise, seed, init, clamp and MALA (about " +
                            format_duration(ctx.session.costs.seconds(WorkKind::kChainStep, sheet_chain_steps(est))) +
                            "; progress and a stop are in the job list)";
      tip(t.c_str());
    }
    ImGui::SameLine();
    if (ImGui::Button("Stop")) stop(ctx);
    tip("stop the contact sheet");
    ImGui::SameLine();
    {
      DisabledWhy off(!shown_ || !shown_->complete, !shown_ ? "no sheet yet: press Run sheet first"
                                                            : "the sheet is not complete: it exports when every cell is done");
      if (ImGui::Button("Export")) export_now(ctx);
      tip(("write the sheet PNG, a JSON of its settings and the `shortrun sweep` command that redraws it (a finished sheet), "
           "to " + ctx.folder_for(export_folder_) + " (the sidebar's export folder)").c_str());
    }
    if (shown_) {
      same_line_if_fits(300.0f);
      const int cells = shown_->rows * shown_->cols;
      if (shown_->complete)
        ImGui::TextDisabled("chain %d, seed %d, %.1f s; click a cell to sample it", shown_->request.chain,
                            shown_->request.sampler.seed, shown_->seconds);
      else if (shown_->stopped)
        ImGui::TextDisabled("stopped after %d of %d cells", shown_->cells_done, cells);
      else
        ImGui::TextDisabled("computing: %d of %d cells (time left in the job list)", shown_->cells_done, cells);
    }
    const std::string command = export_.command();
    if (!command.empty()) cli_line(command, "copy the command that redraws the exported PNG");
  }

  std::vector<int> steps_ = {10, 25, 50, 100, 200};
  std::vector<float> step_sizes_ = {0.25f, 0.5f, 1.0f, 2.0f};
  int chain_ = 0, fd_n_ = 0;
  char steps_field_[256] = "", sizes_field_[256] = "";
  std::string steps_error_, sizes_error_;  // a typed list that did not parse (its text is kept)
  std::string export_folder_;  // "" : the sidebar's export folder (a script may set its own)
  uint64_t job_ = 0;
  std::shared_ptr<const SweepData> shown_;
  ImageGrid grid_;

  SlotWatch<SweepData> data_;  // the sheet, handed over as it fills in
  ExportReport export_;
};

}  // namespace

std::unique_ptr<View> make_sweep_view() { return std::make_unique<SweepView>(); }

}  // namespace shortrun::explorer

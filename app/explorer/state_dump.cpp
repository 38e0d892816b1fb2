// Explorer::state(): everything the explorer shows, as JSON (--dump-state, the script's
// dump_state); the GUI tests read it instead of guessing from pixels.
#include <GL/glew.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "explorer.h"
#include "user_config.h"
#include "jobs_text.h"
#include "mala_acceptance.h"
#include "recon_inputs.h"

namespace shortrun::explorer {

nlohmann::json Explorer::state() const {
  nlohmann::json j;
  j["t"] = seconds_since_start();
  j["tab"] = tab_id();
  for (const auto& v : view_tabs) j["views"][v->id()] = v->state();
  j["sampler"] = settings_json(sampler);
  j["errors"] = errors;
  j["model_error"] = model_error;
  j["status"] = status_message;
  j["status_is_error"] = !errors.empty() && status_message == errors.back();
  j["upload"] = uploader ? uploader->name() : "";
  j["shaders"] = colormap ? colormap->origin() : "";
  j["recent"] = config.recent();
  j["recent_labels"] = distinct_tails(config.recent());  // what the Model panel's Recent files list shows
  j["config_dir"] = config.dir();
  if (pub.model) {
    const ModelInfo& m = *pub.model;
    j["model"] = {{"id", m.id},
                  {"path", m.path},
                  {"source", m.source},
                  {"architecture", m.architecture},
                  {"parameters", m.parameters},
                  {"shape", {m.shape.c, m.shape.h, m.shape.w}},
                  {"device", m.device},
                  {"threads", m.threads},
                  {"precisions", m.precisions},
                  {"defaults", settings_json(m.defaults)},
                  {"band", m.band.valid ? nlohmann::json{{"mean", m.band.mean}, {"std", m.band.std}, {"count", m.band.count},
                                                         {"source", m.band.source}}
                                        : nlohmann::json{{"note", m.band.note}}}};
  }
  if (pub.chains) {
    const ChainRun& r = *pub.chains;
    const int ready = r.ready.load();
    nlohmann::json c = {{"stride", r.stride}, {"diverged", r.diverged.load()}, {"first_divergence", r.first_divergence.load()},
                        {"divergence_note", divergence_note(r)}, {"run", r.id},           {"n", r.shape.n},   {"steps", r.steps()}, {"ready", ready},
                        {"finished", r.finished.load()}, {"cancelled", r.cancelled.load()}, {"seconds", r.seconds.load()},
                        {"custom_init", r.custom_init}, {"settings", settings_json(r.settings)}};
    if (ready > 0) {
      const int last = ready - 1;
      const std::vector<float>& e = r.energy[last];
      c["energy_last"] = std::accumulate(e.begin(), e.end(), 0.0) / double(e.size());
      c["energy_first"] = std::accumulate(r.energy[0].begin(), r.energy[0].end(), 0.0) / double(r.energy[0].size());
      // Mean |x_last − x_0| per pixel: how far the chains moved from their noise.
      const std::vector<float>& xl = r.frames[r.kept(last)];
      double moved = 0;
      for (size_t i = 0; i < xl.size(); ++i) moved += std::fabs(xl[i] - r.frames[0][i]);
      c["moved_from_noise"] = moved / double(std::max<size_t>(1, xl.size()));
      c["delta_norm_per_chain"] = r.delta_norm[std::max(0, last - 1)];
      c["energy_per_chain_last"] = e;
    }
    if (!r.accepted.empty()) c["mala"] = mala_acceptance_json(r);
    j["chains"] = c;
  }
  j["view"] = {{"step", chains.step},     {"playing", chains.playing}, {"selected", chains.selected},
               {"follow", chains.follow}, {"shown_step", chains.shown_step}, {"shown_run", chains.shown_run},
               {"slider_max", chains.slider_max}};
  {
    // The inspector's difference x_b − x_a: its norm, and the |dx| the plots hold for step a.
    const InspectorUi& ins = chains.inspector;
    j["view"]["heat_step"] = ins.pair.first;
    j["view"]["heat_norm"] = ins.pair_norm;
    const ChainRun* r = pub.chains.get();
    const int a = ins.pair.first, i = chains.selected;
    if (r && a >= 0 && i >= 0 && a < r->ready.load() && i < r->shape.n) j["view"]["dx_shown"] = r->delta_norm[a][i];
  }
  nlohmann::json in = {{"seed_a", interp.seed_a}, {"chain_a", interp.chain_a}, {"seed_b", interp.seed_b},
                       {"chain_b", interp.chain_b}, {"rho", interp.rho}, {"path", interp.path == 0 ? "linear" : "spherical"},
                       {"noise", interp.noise == 0 ? "fixed" : interp.noise == 1 ? "mixed" : "off"}, {"points", interp.points}};
  if (pub.interp_live)
    in["live"] = {{"rho", pub.interp_live->rho}, {"energy", pub.interp_live->energy}, {"seconds", pub.interp_live->seconds}};
  if (pub.interp_strip) in["strip"] = {{"rho", pub.interp_strip->rho}, {"energy", pub.interp_strip->energy}};
  j["interpolation"] = in;
  nlohmann::json rc = {{"canvas_version", canvas.version()}, {"undo_depth", canvas.undo_depth()},
                       {"observed_fraction", canvas.observed_fraction()}, {"iters", recon.iters}};
  double ink = 0;
  for (float v : canvas.pixels()) ink += (v + 1.0) / 2.0;
  rc["canvas_mean"] = canvas.pixels().empty() ? 0.0 : ink / double(canvas.pixels().size());
  if (pub.image) rc["image"] = {{"path", pub.image->path}, {"note", pub.image->note}};
  rc["inputs"] = recon_inputs_state(*this);
  if (const ReconRun* shown = shown_reconstruction(*this)) {
    const ReconRun& r = *shown;
    const int done = r.done.load();
    rc["run"] = {{"done", done}, {"finished", r.finished.load()}, {"cancelled", r.cancelled.load()},
                 {"mse_first", r.curve[0]}, {"mse_last", r.curve[std::min<size_t>(done, r.curve.size() - 1)]}};
  }
  j["reconstruct"] = rc;
  j["browser"] = browser_state(*this);
  const auto mean = [](const std::deque<double>& v) {
    return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  };
  j["fps"] = {{"mean_recent", stats.mean_fps(stats.frame_ms)}, {"frames", stats.frames},
              {"build_ms", mean(stats.build_ms)}, {"draw_ms", mean(stats.draw_ms)},
              {"first_image_s", stats.first_image_s}};
  if (!stats.sampling_ms.empty()) {
    std::vector<double> s = stats.sampling_ms;
    std::sort(s.begin(), s.end());
    const double mean = std::accumulate(s.begin(), s.end(), 0.0) / double(s.size());
    j["fps"]["while_sampling"] = {{"frames", s.size()}, {"mean_fps", 1000.0 / mean},
                                  {"p95_frame_ms", s[size_t(0.95 * double(s.size() - 1))]}};
  }
  j["worker"] = {{"activity", pub.activity}, {"queued", pub.queued}, {"idle", worker->idle()}};
  j["stuck"] = stuck_job();
  j["abandoned_workers"] = session.abandoned_workers();
  nlohmann::json jobs = nlohmann::json::array();
  for (const JobStatus& s : pub.jobs)
    jobs.push_back({{"id", s.id}, {"kind", s.kind}, {"label", s.label}, {"state", s.state}, {"done", s.done},
                    {"total", s.total}, {"unit", s.unit}, {"elapsed_s", s.elapsed_s}, {"eta_s", s.eta_s},
                    {"text", job_progress_text(s)}});
  j["jobs"] = jobs;
  j["status_line"] = jobs_status_line(pub.jobs);
  j["cost_prompt"] = {{"open", session.cost_prompt.open}, {"seconds", session.cost_prompt.cost.seconds}, {"bytes", session.cost_prompt.cost.bytes},
                      {"stride", session.cost_prompt.cost.stride}, {"text", describe_cost(session.cost_prompt.cost, session.cost_prompt.settings.steps)}};
  j["job_prompt"] = {{"open", session.job_prompt.open}, {"what", session.job_prompt.what}, {"seconds", session.job_prompt.seconds}};
  j["chain_rate"] = session.chain_rate;
  j["chain_rate_measured"] = session.costs.measured(WorkKind::kChainStep);
  j["cost_basis"] = session.costs.basis();
  j["typing"] = typing;
  {
    // What ImGui saw last frame, for tests that send real pointer events.
    const ImGuiContext& g = *GImGui;
    const ImGuiIO& io = ImGui::GetIO();
    j["pointer"] = {{"pos", {io.MousePos.x, io.MousePos.y}}, {"down", io.MouseDown[0]},
                    {"hovered_window", g.HoveredWindow ? g.HoveredWindow->Name : ""}, {"active_id", g.ActiveId},
                    {"window_focused", glfwGetWindowAttrib(window_, GLFW_FOCUSED) != 0}};
  }
  j["sidebar_width"] = sidebar_shown_width;
  j["sidebar_collapsed"] = sidebar_collapsed;
  j["inspector"] = {{"zoom", chains.inspector.image_view.zoom}, {"heat_zoom", chains.inspector.heat_view.zoom},
                    {"pair", {chains.inspector.pair.first, chains.inspector.pair.second}},
                    {"pair_norm", chains.inspector.pair_norm}, {"heat_note", chains.inspector.heat_note}, {"pinned", chains.inspector.against_pinned ? chains.inspector.pinned_step : -1}};
  int win_w = 0, win_h = 0;
  glfwGetWindowSize(window_, &win_w, &win_h);
  j["window"] = {win_w, win_h};
  nlohmann::json items = nlohmann::json::array();
  for (const LaidOutItem& it : layout)
    items.push_back({{"tip", it.tip}, {"window", it.window}, {"rect", it.rect}, {"window_rect", it.window_rect},
                     {"scroll_max_y", it.scroll_max_y}, {"scroll_y", it.scroll_y}, {"disabled", it.disabled}, {"why", it.why},
                     {"limit_w", it.limit_w}});
  j["layout"] = items;
  j["hovered_tip"] = hovered_tip;
  return j;
}

}  // namespace shortrun::explorer

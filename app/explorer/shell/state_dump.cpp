// explorer_state(): everything the explorer shows, as JSON (--dump-state, the script's
// dump_state); the GUI tests read it instead of guessing from pixels.
#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "shell/explorer.h"
#include "shortrun/sampling/parallel_plan.h"
#include "worker/jobs_text.h"
#include "worker/run_cost.h"

namespace shortrun::explorer {

nlohmann::json explorer_state(const Explorer& ex) {
  const Session& session = ex.session;
  const Published& pub = session.pub;
  const FrameStats& stats = ex.stats;
  nlohmann::json j;
  j["t"] = ex.seconds_since_start();
  j["tab"] = ex.views.shown_id();
  // The first three tabs' keys sit at the top, where they were before those tabs were views.
  for (const auto& v : ex.views.views()) {
    if (v->state_at_top()) j.update(v->state());
    else j["views"][v->id()] = v->state();
  }
  // Tabs that show "needs an energy model" instead of their content (a VAE or GAN loaded).
  j["needs_energy_model"] = nlohmann::json::array();
  if (pub.model && !pub.model->is_ebm())
    for (const auto& v : ex.views.views())
      if (v->needs_energy_model()) j["needs_energy_model"].push_back(v->id());
  j["sampler"] = settings_json(session.sampler);
  j["errors"] = ex.log.errors;
  j["model_error"] = ex.model_panel.error;
  j["status"] = ex.log.message;
  j["status_is_error"] = ex.log.showing_error();
  j["upload"] = ex.uploader ? ex.uploader->name() : "";
  j["shaders"] = ex.colormap ? ex.colormap->origin() : "";
  j["recent"] = ex.config.recent();
  j["recent_labels"] = distinct_tails(ex.config.recent());  // what the Model panel's Recent files list shows
  j["config_dir"] = ex.config.dir();
  if (pub.model) {
    const ModelInfo& m = *pub.model;
    j["model"] = {{"id", m.id},
                  {"path", m.path},
                  {"kind", m.kind},
                  {"source", m.source},
                  {"architecture", m.architecture},
                  {"parameters", m.parameters},
                  {"shape", {m.shape.c, m.shape.h, m.shape.w}},
                  {"device", m.device},
                  {"threads", m.threads},
                  {"precisions", m.precisions},
                  {"defaults", settings_json(m.defaults)},
                  {"weights", m.weights.which()},  // raw | ema (Model panel's choice; EMA by default when present)
                  {"weights_raw", m.weights.raw},
                  {"weights_ema", m.weights.ema},
                  {"parallel", parallel_mode_name(parallel_mode())},
                  {"band", m.band.valid ? nlohmann::json{{"mean", m.band.mean}, {"std", m.band.std}, {"count", m.band.count},
                                                         {"source", m.band.source}}
                                        : nlohmann::json{{"note", m.band.note}}}};
    if (m.is_ebm()) {
      // What the Model panel's plan line says, for the Sampler panel's chain count.
      const ParallelPlan plan = ex.model_panel.thread_plan(m, ex.session.sampler.chains);
      j["model"]["plan"] = {{"chains", plan.chains}, {"chunks", plan.chunks}, {"why", plan.why}};
    }
  }
  j["browser"] = browser_state(ex.browser, ex.config);
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
  j["worker"] = {{"activity", pub.activity}, {"queued", pub.queued}, {"idle", session.worker->idle()}};
  j["stuck"] = ex.stuck_job();
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
  j["typing"] = ex.typing;
  {
    // What ImGui saw last frame, for tests that send real pointer events.
    const ImGuiContext& g = *GImGui;
    const ImGuiIO& io = ImGui::GetIO();
    j["pointer"] = {{"pos", {io.MousePos.x, io.MousePos.y}}, {"down", io.MouseDown[0]},
                    {"hovered_window", g.HoveredWindow ? g.HoveredWindow->Name : ""}, {"active_id", g.ActiveId},
                    {"window_focused", ex.window->focused()}};
  }
  j["sidebar_width"] = ex.sidebar.shown_width;
  j["sidebar_collapsed"] = ex.sidebar.collapsed;
  int win_w = 0, win_h = 0;
  ex.window->size(&win_w, &win_h);
  j["window"] = {win_w, win_h};
  nlohmann::json items = nlohmann::json::array();
  for (const LaidOutItem& it : ex.layout)
    items.push_back({{"tip", it.tip}, {"window", it.window}, {"rect", it.rect}, {"window_rect", it.window_rect},
                     {"scroll_max_y", it.scroll_max_y}, {"scroll_y", it.scroll_y}, {"disabled", it.disabled}, {"why", it.why},
                     {"limit_w", it.limit_w}});
  j["layout"] = items;
  j["hovered_tip"] = ex.hovered_tip;
  return j;
}

}  // namespace shortrun::explorer

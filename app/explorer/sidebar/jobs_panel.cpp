// The job list: every torch job (chains, interpolation, live ρ, reconstruction, export, model,
// image) with its state, progress and ETA, and a stop button; shown in the sidebar, and the
// running one summarised in the status bar, so long work is never invisible.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "sidebar/sidebar_panels.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "worker/jobs_text.h"
#include "worker/run_cost.h"
#include "worker/worker.h"

namespace shortrun::explorer {

namespace {
void draw_job_rows(ViewContext& ctx, const std::vector<JobStatus>& jobs);
}  // namespace

float JobsPanel::height() {
  const ImGuiStyle& st = ImGui::GetStyle();
  // Heading, two jobs of two lines each, and the separator above.
  return ImGui::GetFrameHeightWithSpacing() + 4 * ImGui::GetFrameHeightWithSpacing() + st.WindowPadding.y + 4;
}

void JobsPanel::press(ViewContext& ctx, const std::string& name) {
  Session& session = ctx.session;
  if (name == "stop_all") ctx.cancel_all_jobs();
  else if (name == "stop_first_job") {
    if (!session.pub.jobs.empty()) ctx.cancel_job(session.pub.jobs.front().id);
  } else if (name == "confirm_run") session.job_prompt.open ? session.confirm_job() : session.confirm_costly_run();
  else if (name == "decline_run") {
    const std::string line = session.job_prompt.open ? session.decline_job() : session.decline_costly_run();
    if (!line.empty()) ctx.status(line);
  } else if (name == "stuck_job_for_test") {
    // Stands in for a module whose forward never returns: ignores its stop until the process ends.
    session.worker->post_for_test("stuck job (test)", [](const std::atomic<bool>&) {
      while (true) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    });
  } else if (name == "busy_job_for_test") {
    // A job that runs until it is stopped (a long run, on demand and without timing luck).
    session.worker->post_for_test("busy job (test)", [](const std::atomic<bool>& cancel) {
      while (!cancel.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    });
  }
}

void JobsPanel::draw(ViewContext& ctx) {
  const std::vector<JobStatus>& jobs = ctx.session.pub.jobs;
  ImGui::Separator();
  ImGui::AlignTextToFramePadding();
  ImGui::Text("Jobs (%d)", int(jobs.size()));
  ImGui::SameLine(ImGui::GetContentRegionMax().x - button_width("stop all"));
  {
    DisabledWhy off(jobs.empty(), "nothing to stop: no job is running or queued");
    if (ImGui::Button("stop all")) ctx.cancel_all_jobs();
    tip("stop the running jobs and empty the queue (a training run stops as Ctrl+C stops it: resumable)");
  }
  // The list scrolls inside its fixed room: a growing queue never pushes the sidebar's controls.
  ImGui::BeginChild("job_list", ImVec2(0, 0), false);
  draw_job_rows(ctx, jobs);
  ImGui::EndChild();
}

namespace {
void draw_job_rows(ViewContext& ctx, const std::vector<JobStatus>& jobs) {
  Session& session = ctx.session;
  if (jobs.empty()) {
    ImGui::TextDisabled("idle: nothing running or queued");
    return;
  }
  const float width = ImGui::GetContentRegionAvail().x;
  const double now = ImGui::GetTime();
  for (auto it = session.cancelling_since.begin(); it != session.cancelling_since.end();)  // forget jobs that ended
    it = std::any_of(jobs.begin(), jobs.end(), [&](const JobStatus& j) { return j.id == it->first; })
             ? std::next(it) : session.cancelling_since.erase(it);
  for (const JobStatus& j : jobs) {
    ImGui::PushID(static_cast<int>(j.id));
    if (ImGui::SmallButton("x")) ctx.cancel_job(j.id);
    tip(j.state == "queued" ? "remove this job from the queue" : "stop this job (within one network evaluation)");
    ImGui::SameLine();
    ImGui::TextUnformatted(j.label.c_str());
    const std::string line = job_progress_text(j);
    if (j.state == "queued") {
      ImGui::TextDisabled("   queued%s", line.empty() ? "" : ("  " + line).c_str());
    } else {
      const float fraction = j.total > 0 ? float(double(j.done) / double(j.total)) : -1.0f;
      const std::string overlay = (j.state == "cancelling" ? "cancelling  " : "") + line;
      // An empty bar until the first unit of work is done (never a full one that means nothing);
      // a job of unknown length shows its elapsed time on an empty bar.
      ImGui::ProgressBar(std::max(0.0f, fraction), ImVec2(width, 0), overlay.c_str());
    }
    if (j.state == "cancelling") {
      const double since = session.cancelling_since.emplace(j.id, now).first->second;
      if (now - since > kStuckAfterSeconds) {
        // A stop is seen between network evaluations; one that never comes back is a stuck module.
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "   not responding to stop for %.0f s", now - since);
        if (ImGui::SmallButton("abandon the worker")) ctx.press("abandon_worker");
        tip("leave the stuck job's thread behind and start a fresh worker (no model loaded; load one to go on)");
      }
    }
    ImGui::PopID();
    if (!session.worker) break;
  }
}

}  // namespace

}  // namespace shortrun::explorer

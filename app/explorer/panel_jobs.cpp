// The job list: every torch job (chains, interpolation, live ρ, reconstruction, export, model,
// image) with its state, progress and ETA, and a stop button; shown in the sidebar, and the
// running one summarised in the status bar, so long work is never invisible.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "disabled_why.h"
#include "explorer.h"
#include "jobs_text.h"
#include "layout_util.h"

namespace shortrun::explorer {

void draw_job_rows(Explorer& ex, const std::vector<JobStatus>& jobs);

float jobs_panel_height() {
  const ImGuiStyle& st = ImGui::GetStyle();
  // Heading, two jobs of two lines each, and the separator above.
  return ImGui::GetFrameHeightWithSpacing() + 4 * ImGui::GetFrameHeightWithSpacing() + st.WindowPadding.y + 4;
}

void draw_jobs_panel(Explorer& ex) {
  const std::vector<JobStatus>& jobs = ex.pub.jobs;
  ImGui::Separator();
  ImGui::AlignTextToFramePadding();
  ImGui::Text("Jobs (%d)", int(jobs.size()));
  ImGui::SameLine(ImGui::GetContentRegionMax().x - button_width("stop all"));
  {
    DisabledWhy off(jobs.empty(), "nothing to stop: no job is running or queued");
    if (ImGui::Button("stop all")) ex.cancel_all_jobs();
    tip("stop the running jobs and empty the queue (a training run stops as Ctrl+C stops it: resumable)");
  }
  // The list scrolls inside its fixed room: a growing queue never pushes the sidebar's controls.
  ImGui::BeginChild("job_list", ImVec2(0, 0), false);
  draw_job_rows(ex, jobs);
  ImGui::EndChild();
}

void draw_job_rows(Explorer& ex, const std::vector<JobStatus>& jobs) {
  if (jobs.empty()) {
    ImGui::TextDisabled("idle: nothing running or queued");
    return;
  }
  const float width = ImGui::GetContentRegionAvail().x;
  const double now = ImGui::GetTime();
  for (auto it = ex.session.cancelling_since.begin(); it != ex.session.cancelling_since.end();)  // forget jobs that ended
    it = std::any_of(jobs.begin(), jobs.end(), [&](const JobStatus& j) { return j.id == it->first; })
             ? std::next(it) : ex.session.cancelling_since.erase(it);
  for (const JobStatus& j : jobs) {
    ImGui::PushID(static_cast<int>(j.id));
    if (ImGui::SmallButton("x")) ex.cancel_job(j.id);
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
      const double since = ex.session.cancelling_since.emplace(j.id, now).first->second;
      if (now - since > kStuckAfterSeconds) {
        // A stop is seen between network evaluations; one that never comes back is a stuck module.
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "   not responding to stop for %.0f s", now - since);
        if (ImGui::SmallButton("abandon the worker")) ex.abandon_worker();
        tip("leave the stuck job's thread behind and start a fresh worker (no model loaded; load one to go on)");
      }
    }
    ImGui::PopID();
    if (!ex.worker) break;
  }
}

}  // namespace shortrun::explorer

// The costly-run prompts: a chains run estimated above 10 s or 1 GiB (run_cost.h), or another
// job priced over the line (Session::job_prompt), waits for a yes in a modal.
#include <imgui.h>

#include <algorithm>
#include <functional>
#include <string>

#include "sidebar/sidebar_panels.h"
#include "worker/jobs_text.h"
#include "worker/run_cost.h"

namespace shortrun::explorer {

namespace {

// One modal: `text` and the cost book's basis, then the yes and no buttons (Escape is no). While
// `open` is false a modal still showing (answered elsewhere: a script, or settings changed under
// it) is closed, or it would keep taking the input of every other window.
void prompt(ViewContext& ctx, const char* title, bool open, const std::string& text, const char* yes, const char* no,
            const std::function<void()>& on_yes, const std::function<void()>& on_no) {
  if (!open) {
    if (ImGui::IsPopupOpen(title) && ImGui::BeginPopupModal(title, nullptr, ImGuiWindowFlags_NoSavedSettings)) {
      ImGui::CloseCurrentPopup();
      ImGui::EndPopup();
    }
    return;
  }
  if (!ImGui::IsPopupOpen(title)) ImGui::OpenPopup(title);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x / 2, vp->WorkPos.y + vp->WorkSize.y / 2),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(480.0f, vp->WorkSize.x - 40), 0));
  if (ImGui::BeginPopupModal(title, nullptr, ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("(time %s)", ctx.session.costs.basis().c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button(yes)) {
      on_yes();
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button(no) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
      on_no();
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

}  // namespace

void draw_cost_prompt(ViewContext& ctx) {
  Session& session = ctx.session;
  const Session::JobPrompt& job = session.job_prompt;
  prompt(ctx, "This job is costly###job_prompt", job.open, job.what + ": about " + format_duration(job.seconds) + ".",
         "Run it", "Don't run it", [&] { session.confirm_job(); }, [&] { ctx.status(session.decline_job()); });
  const SamplerSettings& s = session.cost_prompt.settings;
  prompt(ctx, "This run is costly###cost_prompt", session.cost_prompt.open,
         "K = " + std::to_string(s.steps) + " steps for " + count_of(s.chains, "chain") + ": " +
             describe_cost(session.cost_prompt.cost, s.steps) + ".",
         "Run it", "Keep the current run", [&] { session.confirm_costly_run(); }, [&] { ctx.press("decline_run"); });
}

}  // namespace shortrun::explorer

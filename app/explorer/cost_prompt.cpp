// The costly-run prompt: a run estimated above 10 s or 1 GiB (run_cost.h) waits for a yes.
#include <imgui.h>

#include <algorithm>

#include "explorer.h"
#include "jobs_text.h"

namespace shortrun::explorer {

namespace {
// The prompt of a costly job other than the chains (Session::job_prompt).
void draw_job_prompt(Explorer& ex) {
  const char* title = "This job is costly###job_prompt";
  Session::JobPrompt& p = ex.session.job_prompt;
  if (!p.open) {
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
    ImGui::TextWrapped("%s: about %s.", p.what.c_str(), format_duration(p.seconds).c_str());
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("(time %s)", ex.session.costs.basis().c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button("Run it")) {
      ex.session.confirm_job();
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Don't run it") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
      ex.status_message = ex.session.decline_job();
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}
}  // namespace

void draw_cost_prompt(Explorer& ex) {
  draw_job_prompt(ex);
  const char* title = "This run is costly###cost_prompt";
  if (!ex.session.cost_prompt.open) {
    // Answered or closed elsewhere (a script, or settings changed under it): the modal goes too,
    // or it would keep taking the input of every other window.
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
    const SamplerSettings& s = ex.session.cost_prompt.settings;
    ImGui::TextWrapped("K = %d steps for %s: %s.", s.steps, count_of(s.chains, "chain").c_str(),
                       describe_cost(ex.session.cost_prompt.cost, s.steps).c_str());
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("(time %s)", ex.session.costs.basis().c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button("Run it")) {
      ex.session.confirm_costly_run();
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Keep the current run") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
      ex.decline_costly_run();
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

}  // namespace shortrun::explorer

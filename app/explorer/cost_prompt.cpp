// The costly-run prompt: a run estimated above 10 s or 1 GiB (run_cost.h) waits for a yes.
#include <imgui.h>

#include <algorithm>

#include "explorer.h"

namespace shortrun::explorer {

void draw_cost_prompt(Explorer& ex) {
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
    ImGui::TextWrapped("K = %d steps for %d chains: %s.", s.steps, s.chains,
                       describe_cost(ex.session.cost_prompt.cost, s.steps).c_str());
    ImGui::TextDisabled("(time from the last measured rate, %.0f chain-steps/s)", ex.session.chain_rate);
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

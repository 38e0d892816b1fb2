// F1 help: the keys and gestures, in a window that fits the main window and hides what is
// behind it (opaque), centred on first use.
#include <imgui.h>

#include <algorithm>

#include "shell/explorer.h"

namespace shortrun::explorer {

void draw_help_window(bool* open) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const ImVec2 max(vp->WorkSize.x - 40, vp->WorkSize.y - 40);
  ImGui::SetNextWindowSize(ImVec2(std::min(520.0f, max.x), std::min(440.0f, max.y)), ImGuiCond_Appearing);
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x / 2, vp->WorkPos.y + vp->WorkSize.y / 2),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSizeConstraints(ImVec2(200, 120), max);
  ImGui::SetNextWindowBgAlpha(1.0f);
  if (!ImGui::Begin("Help (F1)", open, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    const char* keys[][2] = {{"Space", "play / pause the timeline"},
                             {"Left / Right", "one step back / forward (every press counts)"},
                             {"R", "re-run the chains"},
                             {"Ctrl+O", "open a model (file chooser; Escape closes it)"},
                             {"Ctrl+S", "export the grid as PNG"},
                             {"Ctrl+Z", "undo a stroke (Reconstruct)"},
                             {"Enter / click away", "commit a typed value (runs start then, not per digit)"},
                             {"wheel / drag", "zoom / pan the enlarged chain and its difference view"},
                             {"hover an image", "the pixel's value"},
                             {"x in Jobs", "stop a job or drop it from the queue"},
                             {"sidebar edge", "drag to resize the sidebar"},
                             {"F1", "this help"},
                             {"drop a file", "a checkpoint loads it (a 2-D playground model opens in the 2-D tab); an image goes to the Reconstruct canvas (on the OOD probe tab, images and folders are probed)"}};
    for (const auto& k : keys) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(k[0]);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextWrapped("%s", k[1]);
    }
    ImGui::EndTable();
  }
  ImGui::TextWrapped("Chains: click a chain to enlarge it; click or drag on a plot to scrub. The chain x_{k+1} = x_k + "
                     "step*grad f(x_k) + noise*u_k starts from z; with z and u fixed it is a generator x = M(z, u).");
  ImGui::TextWrapped("Runs estimated above 10 s or 1 GiB ask first; long runs keep every s-th image (at most 256 MB) "
                     "and every step's f, |grad f| and |dx|.");
  ImGui::End();
}

}  // namespace shortrun::explorer

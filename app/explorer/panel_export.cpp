// Export panel: PNG of the grid or the whole window, the chain as numbered frames plus GIF/MP4
// (ffmpeg), the interpolation strip and the reconstruction triptych, magnified by an integer
// factor; each with a JSON of its settings (the grid's with the CLI line that reproduces it).
#include <imgui.h>

#include "explorer.h"

namespace shortrun::explorer {

void draw_export_panel(Explorer& ex) {
  if (!ImGui::CollapsingHeader("Export", ImGuiTreeNodeFlags_DefaultOpen)) return;
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##folder", ex.exporter.folder, sizeof(ex.exporter.folder));
  tip("folder the exports are written to (created if missing)");
  ImGui::SetNextItemWidth(120);
  ImGui::SliderInt("upscale", &ex.exporter.upscale, 1, 16, "x%d");
  tip("PNG exports (grid, frames, strip, reconstruction) repeat each pixel this many times (nearest neighbour)");
  if (ImGui::Button("Grid PNG (Ctrl+S)")) ex.export_grid_png();
  tip("the chain grid at the current step, plus a .json with every setting and the CLI command");
  ImGui::SameLine();
  if (ImGui::Button("Window PNG")) ex.export_window_png();
  tip("a screenshot of the whole window");
  ImGui::SetNextItemWidth(110);
  if (ex.exporter.ffmpeg) {
    ImGui::Combo("video", &ex.exporter.video, "frames only\0GIF\0MP4\0");
    tip("also encode the frames with ffmpeg");
  } else {
    ImGui::TextDisabled("frames only (no ffmpeg)");
    tip("install Debian's ffmpeg for GIF/MP4 export");
  }
  ImGui::Checkbox("selected chain only", &ex.exporter.selected_only);
  tip("export only the enlarged chain instead of the whole grid");
  if (ImGui::Button("Export chain frames")) ex.export_chain_frames();
  tip("every recorded step as frame_NNNN.png, settings.json, and the GIF/MP4");
  if (ImGui::Button("Strip PNG")) ex.export_strip_png();
  tip("the interpolation strip across rho");
  ImGui::SameLine();
  if (ImGui::Button("Reconstruction PNG")) ex.export_triptych_png();
  tip("observed | reconstruction | error of the reconstruction shown");
  ImGui::TextDisabled("names carry the local time");
}

void draw_help_window(Explorer& ex) {
  ImGui::SetNextWindowSize(ImVec2(460, 0), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Help", &ex.show_help)) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    const char* keys[][2] = {{"Space", "play / pause the timeline"},
                             {"Left / Right", "one step back / forward"},
                             {"R", "re-run the chains"},
                             {"Ctrl+O", "open a model (file chooser; Escape closes it)"},
                             {"Ctrl+S", "export the grid as PNG"},
                             {"Ctrl+Z", "undo a stroke (Reconstruct)"},
                             {"F1", "this help"},
                             {"drop a file", "a checkpoint loads it; an image goes to the Reconstruct canvas"}};
    for (const auto& k : keys) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(k[0]);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(k[1]);
    }
    ImGui::EndTable();
  }
  ImGui::TextWrapped("Chains: click a chain to enlarge it; click or drag on a plot to scrub. The chain x_{k+1} = x_k + "
                     "step*grad f(x_k) + noise*u_k starts from z; with z and u fixed it is a generator x = M(z, u).");
  ImGui::End();
}

}  // namespace shortrun::explorer

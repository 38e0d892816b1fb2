// Export panel: PNG of the grid or the whole window, the chain as numbered frames plus GIF/MP4
// (ffmpeg), each with a JSON of the settings that reproduce it with the CLI.
#include <imgui.h>

#include "explorer.h"

namespace shortrun::explorer {

void draw_export_panel(Explorer& ex) {
  if (!ImGui::CollapsingHeader("Export", ImGuiTreeNodeFlags_DefaultOpen)) return;
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##folder", ex.exporter.folder, sizeof(ex.exporter.folder));
  tip("folder the exports are written to (created if missing)");
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
}

}  // namespace shortrun::explorer

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

}  // namespace shortrun::explorer

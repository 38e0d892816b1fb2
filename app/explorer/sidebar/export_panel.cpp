// Export panel: PNG of the grid or the whole window, the chain as numbered frames plus GIF/MP4
// (ffmpeg), the interpolation strip and the reconstruction triptych, magnified by an integer
// factor; each with a JSON of its settings (the grid's with the CLI line that reproduces it).
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "sidebar/sidebar_panels.h"
#include "widgets/layout_record.h"
#include "worker/export_jobs.h"

namespace shortrun::explorer {

ExportPanel::ExportPanel() { ffmpeg_ = ffmpeg_available(); }

void ExportPanel::set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) {
  if (name == "export_folder") std::snprintf(folder_, sizeof(folder_), "%s", v.get<std::string>().c_str());
  else if (name == "video") {
    const std::string m = v.get<std::string>();
    if (m != "none" && m != "gif" && m != "mp4") throw Error("video must be none, gif or mp4");
    settings_.video = m == "none" ? 0 : m == "gif" ? 1 : 2;
  } else if (name == "export_selected_only") settings_.selected_only = v.get<bool>();
  else if (name == "export_upscale") settings_.upscale = std::clamp(v.get<int>(), 1, 16);
  settings_.folder = folder_;
}

void ExportPanel::draw(ViewContext& ctx) {
  if (!ImGui::CollapsingHeader("Export", ImGuiTreeNodeFlags_DefaultOpen)) return;
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##folder", folder_, sizeof(folder_));
  tip("folder the exports are written to (created if missing)");
  ImGui::SetNextItemWidth(120);
  ImGui::SliderInt("upscale", &settings_.upscale, 1, 16, "x%d");
  tip("PNG exports (grid, frames, strip, reconstruction) repeat each pixel this many times (nearest neighbour)");
  if (ImGui::Button("Grid PNG (Ctrl+S)")) ctx.press("export_grid");
  tip("the chain grid at the current step, plus a .json with every setting and the CLI command");
  ImGui::SameLine();
  if (ImGui::Button("Window PNG")) ctx.press("export_window");
  tip("a screenshot of the whole window");
  ImGui::SetNextItemWidth(110);
  if (ffmpeg_) {
    ImGui::Combo("video", &settings_.video, "frames only\0GIF\0MP4\0");
    tip("also encode the frames with ffmpeg");
  } else {
    ImGui::TextDisabled("frames only (no ffmpeg)");
    tip("install Debian's ffmpeg for GIF/MP4 export");
  }
  ImGui::Checkbox("selected chain only", &settings_.selected_only);
  tip("export only the enlarged chain instead of the whole grid");
  if (ImGui::Button("Export chain frames")) ctx.press("export_chain");
  tip("every recorded step as frame_NNNN.png, settings.json, and the GIF/MP4");
  if (ImGui::Button("Strip PNG")) ctx.press("export_strip");
  tip("the interpolation strip across rho");
  ImGui::SameLine();
  if (ImGui::Button("Reconstruction PNG")) ctx.press("export_triptych");
  tip("observed | reconstruction | error of the reconstruction shown");
  ImGui::TextDisabled("names carry the local time");
  settings_.folder = folder_;
}

}  // namespace shortrun::explorer

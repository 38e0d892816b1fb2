// Model panel: the loaded checkpoint's card, loading (path field, Ctrl+O, drag-and-drop,
// recent files), the device in use and the torch thread count.
#include <imgui.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "disabled_why.h"
#include "explorer.h"
#include "layout_util.h"
#include "recon_inputs.h"
#include "user_config.h"

namespace shortrun::explorer {

void draw_model_panel(Explorer& ex) {
  if (!ImGui::CollapsingHeader("Model", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const ModelInfo* m = ex.pub.model.get();
  if (m) {
    const nlohmann::json prov = m->card.value("provenance", nlohmann::json::object());
    ImGui::TextWrapped("%s", std::filesystem::path(m->path).filename().string().c_str());
    tip(m->path.c_str());
    if (ImGui::BeginTable("card", 2, ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("parameters ").x);
      ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
      const auto row = [](const char* k, const std::string& v, const char* help) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextDisabled("%s", k);
        ImGui::TableSetColumnIndex(1);
        ImGui::TextWrapped("%s", v.c_str());
        tip(help);
      };
      row("source", m->source, "how the file was read: native .safetensors, TorchScript, or an imported PyTorch state_dict");
      row("network", m->architecture, "architecture recorded in (or inferred from) the checkpoint");
      row("parameters", std::to_string(m->parameters), "number of weights");
      row("data", std::to_string(m->shape.c) + "x" + std::to_string(m->shape.h) + "x" + std::to_string(m->shape.w),
          "image shape C x H x W, values in [-1, 1]");
      const SamplerSettings& d = m->defaults;
      char buf[160];
      std::snprintf(buf, sizeof(buf), "K=%d step %.3g noise %.3g %s%s", d.steps, d.step_size, d.noise_std, d.init.c_str(),
                    d.clamp ? " clamp" : "");
      row("sampler", buf, "the sampler settings the model was trained with (its defaults)");
      if (prov.contains("iterations")) row("trained", std::to_string(prov["iterations"].get<int64_t>()) + " iterations",
                                           "training iterations recorded in the checkpoint's provenance");
      if (prov.contains("trainer") && prov["trainer"].contains("data"))
        row("on", prov["trainer"]["data"].get<std::string>(), "training data recorded in the provenance");
      row("band", m->band.valid ? m->band.source : (m->band.note.empty() ? "computing..." : m->band.note),
          "f over a batch of real data, drawn as the band behind the energy plot");
      row("upload", ex.uploader->name(), "how images reach GL textures: host upload, or CUDA-GL interop in CUDA builds");
      ImGui::EndTable();
    }
    if (ImGui::TreeNode("provenance (JSON)")) {
      ImGui::TextWrapped("%s", prov.dump(1).c_str());
      ImGui::TreePop();
    }
    if (ImGui::Button("Reset sampler to defaults")) ex.reset_sampler_defaults();
    tip("set K, step size, noise, init, seed and clamp back to the checkpoint's values");
    int device = m->device.rfind("cuda", 0) == 0 ? 1 : 0;
    ImGui::SetNextItemWidth(120);
    {
      DisabledWhy off(!m->cuda_available, "CPU only: this build's LibTorch (or this machine) has no CUDA");
      if (ImGui::Combo("device", &device, "CPU\0CUDA\0")) ex.set_device(device ? "cuda" : "cpu");
      tip("where the model and the chains live");
    }
    ImGui::SameLine();
    ImGui::TextDisabled("active: %s", m->device.c_str());
  } else {
    ImGui::TextDisabled(ex.pub.activity.rfind("loading", 0) == 0 ? "loading..." : "no model loaded");
  }
  {
    // One line kept for the last load's error whether or not there is one, so it never pushes
    // the controls below; the whole text is in its tooltip (and the status bar).
    ReservedLines room(1);
    if (!ex.model_error.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
      ImGui::TextUnformatted(ex.model_error.c_str());
      ImGui::PopStyleColor();
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
        ImGui::TextUnformatted(ex.model_error.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
    }
  }
  if (ex.focus_model_path) {
    ImGui::SetKeyboardFocusHere();
    ex.focus_model_path = false;
  }
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("LoadBrowse...").x - 4 * ImGui::GetStyle().FramePadding.x -
                          2 * ImGui::GetStyle().ItemSpacing.x);
  const bool enter = ImGui::InputTextWithHint("##modelpath", ".safetensors / .pt / .pth / run dir", ex.model_path_field,
                                              sizeof(ex.model_path_field), ImGuiInputTextFlags_EnterReturnsTrue);
  tip("a checkpoint path (a 2-D playground model opens in the 2-D tab); or drop a file on the window (an image goes to "
      "Reconstruct's image path)");
  ImGui::SameLine();
  if (ImGui::Button("Load") || enter) load_model_field(ex);
  tip("load this checkpoint (native .safetensors, TorchScript .pt, PyTorch state_dict .pth, or a run directory)");
  ImGui::SameLine();
  if (ImGui::Button("Browse...")) open_file_browser(ex, BrowseFor::kModel);
  tip("choose a checkpoint in a file browser (Ctrl+O)");
  // Always there (a first load adds to it), so it never appears under the pointer.
  if (ImGui::TreeNode("recent_files", "Recent files (%d)", int(ex.config.recent().size()))) {
    const std::vector<std::string>& recent = ex.config.recent();
    const std::vector<std::string> labels = distinct_tails(recent);  // two runs' latest.safetensors differ
    std::string pick;
    for (size_t i = 0; i < recent.size(); ++i) {
      ImGui::PushID(int(i));
      if (ImGui::Selectable(labels[i].c_str())) pick = recent[i];
      ImGui::PopID();
      tip(recent[i].c_str());
    }
    if (!pick.empty()) ex.drop_file(pick);  // after the loop: a load reorders the list
    ImGui::TreePop();
  }
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  ImGui::SetNextItemWidth(120);
  if (ImGui::SliderInt("torch threads", &ex.threads_field, 1, cores)) ex.worker->set_threads(ex.threads_field);
  tip("intra-op threads of the worker; leave one core to the UI for a smooth frame rate");
}

}  // namespace shortrun::explorer

// Model panel: the loaded checkpoint's card, loading (path field, Ctrl+O, drag-and-drop,
// recent files), the device in use and the torch thread count.
#include <imgui.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "explorer.h"
#include "recon_inputs.h"

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
    ImGui::BeginDisabled(!m->cuda_available);
    if (ImGui::Combo("device", &device, "CPU\0CUDA\0")) ex.set_device(device ? "cuda" : "cpu");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::TextDisabled("active: %s", m->device.c_str());
    tip(m->cuda_available ? "where the model and the chains live" : "CPU only: this build's LibTorch (or machine) has no CUDA");
  } else {
    ImGui::TextDisabled(ex.pub.activity.rfind("loading", 0) == 0 ? "loading..." : "no model loaded");
  }
  if (!ex.model_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("%s", ex.model_error.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::Spacing();
  if (ex.focus_model_path) {
    ImGui::SetKeyboardFocusHere();
    ex.focus_model_path = false;
  }
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("LoadBrowse...").x - 4 * ImGui::GetStyle().FramePadding.x -
                          2 * ImGui::GetStyle().ItemSpacing.x);
  const bool enter = ImGui::InputTextWithHint("##modelpath", ".safetensors / .pt / .pth / run dir", ex.model_path_field,
                                              sizeof(ex.model_path_field), ImGuiInputTextFlags_EnterReturnsTrue);
  tip("a checkpoint path; or drop a file on the window (an image goes to Reconstruct's image path)");
  ImGui::SameLine();
  if (ImGui::Button("Load") || enter) load_model_field(ex);
  tip("load this checkpoint (native .safetensors, TorchScript .pt, PyTorch state_dict .pth, or a run directory)");
  ImGui::SameLine();
  if (ImGui::Button("Browse...")) open_file_browser(ex, BrowseFor::kModel);
  tip("choose a checkpoint in a file browser (Ctrl+O)");
  if (!ex.config.recent().empty() && ImGui::TreeNode("Recent files")) {
    for (const std::string& r : ex.config.recent()) {
      if (ImGui::Selectable(std::filesystem::path(r).filename().string().c_str())) ex.drop_file(r);
      tip(r.c_str());
    }
    ImGui::TreePop();
  }
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  ImGui::SetNextItemWidth(120);
  if (ImGui::SliderInt("torch threads", &ex.threads_field, 1, cores)) ex.worker->set_threads(ex.threads_field);
  tip("intra-op threads of the worker; leave one core to the UI for a smooth frame rate");
}

}  // namespace shortrun::explorer

// Model panel: the loaded checkpoint's card, loading (path field, Ctrl+O, drag-and-drop,
// recent files), the device in use, the torch thread count and how the sampler shares them.
#include <imgui.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "display/texture_upload.h"
#include "shortrun/base/error.h"
#include "shortrun/sampling/parallel_plan.h"
#include "sidebar/sidebar_panels.h"
#include "views/file_kinds.h"
#include "views/user_config.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "widgets/path_field.h"
#include "worker/worker.h"

namespace shortrun::explorer {

void ModelPanel::model_loaded(const ModelInfo& m) {
  error.clear();
  threads_ = m.threads;
  // The checkpoint itself (loading it takes its EMA weights again when present: the default).
  std::snprintf(path_field_, sizeof(path_field_), "%s", (m.weights.raw.empty() ? m.path : m.weights.raw).c_str());
}

void ModelPanel::set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) {
  if (name == "model_path") std::snprintf(path_field_, sizeof(path_field_), "%s", v.get<std::string>().c_str());
  else if (name == "threads") threads_ = std::clamp(v.get<int>(), 1, 256), ctx.session.worker->set_threads(threads_);
  else if (name == "weights") choose_weights(ctx, v.get<std::string>());
  else if (name == "parallel") set_parallel_mode(parse_parallel_mode(v.get<std::string>()));
}

ParallelPlan ModelPanel::thread_plan(const ModelInfo& m, int chains) const {
  return plan_parallel(parallel_mode(), m.cost, chains, m.chunk, threads_,
                       m.device.rfind("cuda", 0) != 0);
}

void ModelPanel::draw_threads(ViewContext& ctx) {
  // One line, as before the choice existed, so the Sampler panel below does not move down:
  // [threads] threads [auto: chains v]. The combo's closed face shows what auto decides.
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  ImGui::SetNextItemWidth(80);
  if (ImGui::SliderInt("threads", &threads_, 1, cores)) ctx.session.worker->set_threads(threads_);
  tip("intra-op threads of the worker (torch threads); leave one core to the UI for a smooth frame rate");
  ImGui::SameLine();
  const ModelInfo* m = ctx.session.pub.model.get();
  const ParallelMode mode = parallel_mode();
  std::string face = parallel_mode_name(mode), why = "no energy model loaded: nothing to plan";
  if (m && m->is_ebm()) {
    const ParallelPlan plan = thread_plan(*m, ctx.session.sampler.chains);
    const std::string runs = plan.chains ? "chains" : "ops";
    if (mode == ParallelMode::kAuto) face += ": " + runs;
    else if (runs != face) face += " (runs " + runs + ")";  // e.g. chains asked, one chunk
    why = std::to_string(ctx.session.sampler.chains) + " chains: " + plan.why;
  }
  ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x));
  if (ImGui::BeginCombo("##threads_share", face.c_str())) {
    for (const ParallelMode option : {ParallelMode::kAuto, ParallelMode::kOps, ParallelMode::kChains})
      if (ImGui::Selectable(parallel_mode_name(option), option == mode)) set_parallel_mode(option);
    ImGui::EndCombo();
  }
  // Process-wide and read at every evaluation: the next run takes it (chain i's result is the
  // same whichever runs).
  tip(("how the CPU threads share a Langevin step (the CLI's --parallel): ops splits every layer across the threads; "
       "chains hands whole chunks of chains to the threads, each single-threaded (one wake-up per step instead of one "
       "per layer); auto picks by the model's cost. Chain i's result is identical whichever runs.\n\nNow: " + why).c_str());
}

void ModelPanel::choose_weights(ViewContext& ctx, const std::string& which) {
  if (which != "raw" && which != "ema") throw Error("weights must be raw or ema, got '" + which + "'");
  const ModelInfo* m = ctx.session.pub.model.get();
  if (!m) throw Error("no model loaded: weights chooses between a loaded checkpoint's raw and EMA weights");
  const WeightsPick& w = m->weights;
  if (which == "ema" && w.ema.empty())
    throw Error(m->path + " has no EMA weights beside it (X.ema.safetensors, written by train --ema)");
  if (which == "raw" && w.raw.empty()) throw Error(m->path + " holds EMA weights and no raw checkpoint is beside it");
  if (which == w.which()) return;
  ctx.status(std::string("loading the ") + (which == "ema" ? "EMA weights " + w.ema : "raw weights " + w.raw));
  ctx.session.worker->load_model(w.raw.empty() ? w.ema : w.raw, which);
}

void ModelPanel::draw_weights(ViewContext& ctx, const ModelInfo& m) {
  // One line, there for every model (disabled without a choice), so nothing below moves.
  const WeightsPick& w = m.weights;
  const bool loading = ctx.session.pub.activity.rfind("loading", 0) == 0;
  ImGui::AlignTextToFramePadding();
  ImGui::TextDisabled("weights");
  ImGui::SameLine();
  {
    DisabledWhy off(!w.has_choice() || loading,
                    loading ? "a model is loading" : w.ema.empty() ? "no EMA weights beside this checkpoint (train --ema writes X.ema.safetensors)"
                                                                   : "no raw checkpoint beside these EMA weights");
    if (ImGui::RadioButton("raw", !w.uses_ema)) choose_weights(ctx, "raw");
    tip("the checkpoint's own weights (X.safetensors)");
    ImGui::SameLine();
    if (ImGui::RadioButton("EMA", w.uses_ema)) choose_weights(ctx, "ema");
    tip("the exponential moving average of the weights saved beside it (X.ema.safetensors, train --ema); taken by "
        "default when present, as `shortrun sample` and `eval` do");
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s", loading ? "(loading)" : w.uses_ema ? "(EMA in use)" : w.ema.empty() ? "(no EMA)" : "(raw in use)");
}

void ModelPanel::press(ViewContext& ctx, const std::string& button) {
  if (button == "load_model") load_field(ctx);
  else if (button == "reset_defaults") ctx.session.reset_sampler_defaults();
}

void ModelPanel::load_field(ViewContext& ctx) {
  const std::string path = path_field_;
  if (is_image_path(path)) {
    error = path + ": this is an image: open it in Reconstruct (its image path or Browse)";
    ctx.error(error);
    return;
  }
  ctx.open_file(path);
}

void ModelPanel::draw(ViewContext& ctx) {
  if (!ImGui::CollapsingHeader("Model", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const Published& pub = ctx.session.pub;
  const ModelInfo* m = pub.model.get();
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
      row("kind", m->is_ebm() ? "energy model (short-run EBM)" : m->kind_name + " (generator baseline, no energy)",
          "energy model: Langevin chains in every tab; VAE or GAN (shortrun train --model vae|gan): Interpolation, "
          "Reconstruct and Compare only");
      row("source", m->source, "how the file was read: native .safetensors, TorchScript, or an imported PyTorch state_dict");
      row("network", m->architecture, "architecture recorded in (or inferred from) the checkpoint");
      row("parameters", std::to_string(m->parameters), "number of weights");
      row("data", std::to_string(m->shape.c) + "x" + std::to_string(m->shape.h) + "x" + std::to_string(m->shape.w),
          "image shape C x H x W, values in [-1, 1]");
      const SamplerSettings& d = m->defaults;
      char buf[160];
      std::snprintf(buf, sizeof(buf), "K=%d step %.3g noise %.3g %s%s", d.steps, d.step_size, d.noise_std, d.init.c_str(),
                    d.clamp ? " clamp" : "");
      if (m->is_ebm()) row("sampler", buf, "the sampler settings the model was trained with (its defaults)");
      if (prov.contains("iterations")) row("trained", std::to_string(prov["iterations"].get<int64_t>()) + " iterations",
                                           "training iterations recorded in the checkpoint's provenance");
      if (prov.contains("trainer") && prov["trainer"].contains("data"))
        row("on", prov["trainer"]["data"].get<std::string>(), "training data recorded in the provenance");
      row("band", m->band.valid ? m->band.source : (m->band.note.empty() ? "computing..." : m->band.note),
          "f over a batch of real data, drawn as the band behind the energy plot");
      row("upload", ctx.uploader.name(), "how images reach GL textures: host upload, or CUDA-GL interop in CUDA builds");
      ImGui::EndTable();
    }
    draw_weights(ctx, *m);
    if (ImGui::TreeNode("provenance (JSON)")) {
      ImGui::TextWrapped("%s", prov.dump(1).c_str());
      ImGui::TreePop();
    }
    if (ImGui::Button("Reset sampler to defaults")) ctx.session.reset_sampler_defaults();
    tip("set K, step size, noise, init, seed and clamp back to the checkpoint's values");
    int device = m->device.rfind("cuda", 0) == 0 ? 1 : 0;
    ImGui::SetNextItemWidth(120);
    {
      DisabledWhy off(!m->cuda_available, "CPU only: this build's LibTorch (or this machine) has no CUDA");
      if (ImGui::Combo("device", &device, "CPU\0CUDA\0")) ctx.session.set_device(device ? "cuda" : "cpu");
      tip("where the model and the chains live");
    }
    ImGui::SameLine();
    ImGui::TextDisabled("active: %s", m->device.c_str());
  } else {
    ImGui::TextDisabled(pub.activity.rfind("loading", 0) == 0 ? "loading..." : "no model loaded");
  }
  {
    // One line kept for the last load's error whether or not there is one, so it never pushes
    // the controls below; the whole text is in its tooltip (and the status bar).
    ReservedLines room(1);
    if (!error.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
      ImGui::TextUnformatted(error.c_str());
      ImGui::PopStyleColor();
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
        ImGui::TextUnformatted(error.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
    }
  }
  PathFieldSpec field{"##modelpath", ".safetensors / .pt / .pth / run dir", "Load",
                      "a checkpoint path (a 2-D playground model opens in the 2-D tab); or drop a file on the window (an "
                      "image goes to Reconstruct's image path)",
                      "load this checkpoint (native .safetensors, TorchScript .pt, PyTorch state_dict .pth, or a run directory)",
                      "choose a checkpoint in a file browser (Ctrl+O)"};
  const PathAction action = path_field(field, path_field_, sizeof(path_field_));
  if (action == PathAction::kOpen) load_field(ctx);
  if (action == PathAction::kBrowse) ctx.press("browse_model");
  // Always there (a first load adds to it), so it never appears under the pointer.
  if (ImGui::TreeNode("recent_files", "Recent files (%d)", int(ctx.config.recent().size()))) {
    const std::vector<std::string>& recent = ctx.config.recent();
    const std::vector<std::string> labels = distinct_tails(recent);  // two runs' latest.safetensors differ
    std::string pick;
    for (size_t i = 0; i < recent.size(); ++i) {
      ImGui::PushID(int(i));
      if (ImGui::Selectable(labels[i].c_str())) pick = recent[i];
      ImGui::PopID();
      tip(recent[i].c_str());
    }
    if (!pick.empty()) ctx.open_file(pick);  // after the loop: a load reorders the list
    ImGui::TreePop();
  }
  draw_threads(ctx);
}

}  // namespace shortrun::explorer

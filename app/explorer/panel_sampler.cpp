// Sampler panel: K, step size, noise, seed, chain count, init distribution, clamping, precision.
// Any change re-runs the chains in the background (Explorer::on_published posts it).
#include <imgui.h>

#include <algorithm>

#include "disabled_why.h"
#include "explorer.h"
#include "layout_util.h"

namespace shortrun::explorer {

void draw_sampler_panel(Explorer& ex) {
  if (!ImGui::CollapsingHeader("Sampler", ImGuiTreeNodeFlags_DefaultOpen)) return;
  SamplerSettings& s = ex.sampler;
  ImGui::PushItemWidth(150);
  ImGui::SliderInt("steps K", &s.steps, 0, 400);
  tip("Langevin steps per chain; changing it re-runs the chains (Ctrl+click to type any K up to 100,000: the run "
      "starts on Enter)");
  s.steps = std::clamp(s.steps, 0, 100000);  // the sampler's own bound
  ImGui::SliderFloat("step size", &s.step_size, 0.0f, 10.0f, "%.4g", ImGuiSliderFlags_Logarithmic);
  tip("multiplies the energy gradient: x += step_size * grad f(x) + noise * u");
  ImGui::SliderFloat("noise std", &s.noise_std, 0.0f, 1.0f, "%.4g", ImGuiSliderFlags_Logarithmic);
  tip("standard deviation of the Gaussian noise added every step");
  ImGui::InputInt("seed", &s.seed);
  tip("noise seed: chain i's start z and every u_k are pure functions of (seed, i, k)");
  ImGui::SliderInt("chains", &s.chains, 1, 256);
  tip("number of chains in the grid (chain i does not depend on how many run)");
  s.chains = std::clamp(s.chains, 1, 256);
  int init = s.init == "gaussian" ? 1 : 0;
  if (ImGui::Combo("init", &init, "uniform U(-1,1)\0gaussian N(0,1)\0")) s.init = init ? "gaussian" : "uniform";
  tip("distribution of the starting noise z");
  {
    DisabledWhy off(s.mala, "MALA runs unclamped: a clamped proposal has no density to correct with (unticking MALA puts "
                            "the clamp back as it was)");
    ImGui::Checkbox("clamp to [-1,1]", &s.clamp);
    tip("clamp x after every step (the paper does not; the bundled model was trained with it)");
  }
  bool mala = s.mala;
  if (ImGui::Checkbox("MALA (Metropolis-adjusted)", &mala)) ex.set_mala(mala);
  tip("accept or reject each Langevin step as a proposal under p(x) ~ exp(f(x)/T) (f is the negative energy: "
      "higher f, more likely); the Chains tab then plots the acceptance rate. Off: the paper's unadjusted "
      "short-run chain. Turns clamping off; needs noise std > 0");
  if (s.mala) {
    ImGui::SliderFloat("temperature T", &s.temperature, 0.01f, 100.0f, "%.3g", ImGuiSliderFlags_Logarithmic);
    tip("MALA's target is exp(f/T): T > 1 flattens it, T < 1 sharpens it (T = 1: exp(f))");
    s.temperature = std::clamp(s.temperature, 1e-4f, 1e4f);
  }
  // Only the modes this device runs are offered (a refused mode would leave no run to show).
  const std::vector<std::string> modes = ex.pub.model ? ex.pub.model->precisions : std::vector<std::string>{"exact"};
  const auto mode_label = [](const std::string& m) {
    return m == "exact" ? "exact (float32)" : m == "tf32" ? "tf32 (CUDA)" : "bf16";
  };
  if (ImGui::BeginCombo("precision", mode_label(s.precision))) {
    for (const std::string& m : modes)
      if (ImGui::Selectable(mode_label(m), m == s.precision)) s.precision = m;
    ImGui::EndCombo();
  }
  tip(modes.size() > 1 ? "arithmetic of f and its gradient: exact float32 (the reference), TF32 on CUDA, or bf16 autocast "
                         "(CUDA, or a CPU with AVX512-BF16/AMX)"
                       : "arithmetic of f and its gradient: exact float32 only on this device (tf32 needs CUDA; bf16 needs "
                         "CUDA or a CPU with AVX512-BF16/AMX, which this one lacks)");
  ImGui::PopItemWidth();
  // Three lines are kept for the estimate and the typing note whether or not they show, so the
  // buttons below never move.
  if (ReservedLines room(3); ex.pub.model) {
    // What the next run costs, before it starts (runs above 10 s or 1 GiB ask first).
    const RunCost cost = estimate_run_cost(s, ex.pub.model->shape, ex.session.chain_rate, kTrajectoryBudgetBytes);
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("a run: %s", describe_cost(cost, s.steps).c_str());
    ImGui::PopTextWrapPos();
    tip(("time " + ex.session.costs.basis() + "; images are kept every s-th step so a run keeps at most 256 MB of them").c_str());
    if (ex.typing) ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.35f, 1.0f), "typing: the run starts on Enter");
  }
  if (ImGui::Button("Re-run (R)")) ex.rerun();
  tip("sample the same chains again (identical results: the noise is fixed by the seed)");
  ImGui::SameLine();
  if (ImGui::Button("New seed")) ++s.seed;
  tip("next seed: new chains");
}

}  // namespace shortrun::explorer

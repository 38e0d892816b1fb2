// Sampler panel: K, step size, noise, seed, chain count, init distribution, clamping, precision.
// Any change re-runs the chains in the background (the shell posts it each frame).
#include <imgui.h>

#include <algorithm>

#include "shortrun/base/error.h"
#include "sidebar/sidebar_panels.h"
#include "widgets/disabled_why.h"
#include "widgets/layout_util.h"
#include "worker/run_cost.h"

namespace shortrun::explorer {

namespace {
template <typename T>
T clamped(const nlohmann::json& v, T lo, T hi) {
  return std::clamp(v.get<T>(), lo, hi);
}
}  // namespace

void SamplerPanel::set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v) {
  SamplerSettings& s = ctx.session.sampler;
  if (name == "steps") s.steps = clamped(v, 0, 100000);
  // Any finite value, as a typed entry allows (1e38 makes chains diverge: that is reported).
  else if (name == "step_size") s.step_size = clamped(v, 0.0f, 3.0e38f);
  else if (name == "noise_std") s.noise_std = clamped(v, 0.0f, 3.0e38f);
  else if (name == "seed") s.seed = v.get<int>();
  else if (name == "chains") s.chains = clamped(v, 1, 256);
  else if (name == "init") {
    const std::string init = v.get<std::string>();
    if (init != "uniform" && init != "gaussian") throw Error("init must be uniform or gaussian");
    s.init = init;
  } else if (name == "clamp") s.clamp = v.get<bool>();
  else if (name == "mala") set_mala(ctx, v.get<bool>());  // as the checkbox: MALA runs unclamped
  else if (name == "temperature") s.temperature = clamped(v, 1e-4f, 1e4f);
  else if (name == "precision") {
    const std::string p = v.get<std::string>();
    if (p != "exact" && p != "tf32" && p != "bf16") throw Error("precision must be exact, tf32 or bf16");
    s.precision = p;
  }
}

void SamplerPanel::press(ViewContext& ctx, const std::string& button) {
  if (button == "rerun") ctx.session.rerun();
}

void SamplerPanel::set_mala(ViewContext& ctx, bool on) {
  SamplerSettings& sampler = ctx.session.sampler;
  if (on == sampler.mala) return;
  sampler.mala = on;
  if (on) {
    clamp_before_mala_ = sampler.clamp;
    sampler.clamp = false;
    ctx.status(clamp_before_mala_ ? "MALA on: clamping to [-1,1] is off while MALA runs (it comes back when MALA is off)"
                                  : "MALA on (chains run unclamped)");
  } else {
    sampler.clamp = clamp_before_mala_;
    ctx.status(clamp_before_mala_ ? "MALA off: clamping to [-1,1] is back on, as before MALA"
                                  : "MALA off: clamping stays off, as before MALA");
  }
}

void SamplerPanel::draw(ViewContext& ctx) {
  if (!ImGui::CollapsingHeader("Sampler", ImGuiTreeNodeFlags_DefaultOpen)) return;
  SamplerSettings& s = ctx.session.sampler;
  const Published& pub = ctx.session.pub;
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
  tip("where each chain starts: z ~ U(-1,1) (the paper's) or N(0,1); `shortrun sample --init uniform|gaussian` (an "
      "export's command names it when it is not the model's own)");
  {
    DisabledWhy off(s.mala, "MALA runs unclamped: a clamped proposal has no density to correct with (unticking MALA puts "
                            "the clamp back as it was)");
    ImGui::Checkbox("clamp to [-1,1]", &s.clamp);
    tip("clamp x after every step (the paper does not; the bundled model was trained with it)");
  }
  bool mala = s.mala;
  if (ImGui::Checkbox("MALA (Metropolis-adjusted)", &mala)) set_mala(ctx, mala);
  tip("accept or reject each Langevin step as a proposal under p(x) ~ exp(f(x)/T) (f is the negative energy: "
      "higher f, more likely); the Chains tab then plots the acceptance rate. Off: the paper's unadjusted "
      "short-run chain. Turns clamping off; needs noise std > 0");
  if (s.mala) {
    ImGui::SliderFloat("temperature T", &s.temperature, 0.01f, 100.0f, "%.3g", ImGuiSliderFlags_Logarithmic);
    tip("MALA's target is exp(f/T): T > 1 flattens it, T < 1 sharpens it (T = 1: exp(f))");
    s.temperature = std::clamp(s.temperature, 1e-4f, 1e4f);
  }
  // Only the modes this device runs are offered (a refused mode would leave no run to show).
  const std::vector<std::string> modes = pub.model ? pub.model->precisions : std::vector<std::string>{"exact"};
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
  if (ReservedLines room(3); pub.model) {
    // What the next run costs, before it starts (runs above 10 s or 1 GiB ask first).
    const RunCost cost = estimate_run_cost(s, pub.model->shape, ctx.session.chain_rate, kTrajectoryBudgetBytes);
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("a run: %s", describe_cost(cost, s.steps).c_str());
    ImGui::PopTextWrapPos();
    tip(("time " + ctx.session.costs.basis() + "; images are kept every s-th step so a run keeps at most 256 MB of them").c_str());
    if (ctx.typing) ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.35f, 1.0f), "typing: the run starts on Enter");
  }
  if (ImGui::Button("Re-run (R)")) ctx.session.rerun();
  tip("sample the same chains again (identical results: the noise is fixed by the seed)");
  ImGui::SameLine();
  if (ImGui::Button("New seed")) ++s.seed;
  tip("next seed: new chains");
}

}  // namespace shortrun::explorer

// `shortrun compare`: A/B from the same z and u_k (ab_compare.h): two models (--model, --model-b),
// or one model under two sampler settings (the -b flags); grids side by side and their difference.
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>

#include "cli_common.h"
#include "shortrun/analysis/ab_compare.h"
#include "shortrun/base/error.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/model_paths.h"
#include "view_support.h"

namespace shortrun::cli {

void add_compare_command(CLI::App& app) {
  struct Options {
    std::string model, model_b, out = "ab.png", json;
    int64_t n = 16, cols = 0;
    double diff_range = 0.5;
    SamplerOverrides sampler, sampler_b;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("compare", "A/B: two models, or one model under two sampler settings, from the same z and noise");
  cmd->add_option("--model,-m", o->model, "model A (default: the bundled model)");
  cmd->add_option("--model-b", o->model_b, "model B (default: model A, for comparing sampler settings)");
  cmd->add_option("--n", o->n, "chains (0..n-1) on each side")->capture_default_str()->check(CLI::Range(1, 4096));
  cmd->add_option("--cols", o->cols, "grid columns (default: sqrt(n))");
  cmd->add_option("--diff-range", o->diff_range, "|x_B - x_A| shown at full colour in the difference view")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--out", o->out, "PNG: grid A | grid B | difference (red: B brighter, blue: B darker)")->capture_default_str();
  cmd->add_option("--json", o->json, "JSON report: settings, the command that reproduces the PNG, f and |grad f| curves of "
                                     "both sides (default: OUT.json)");
  o->sampler.add(*cmd);
  o->sampler_b.add(*cmd, "-b");
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    Interrupt interrupt;  // from the start: Ctrl+C while loading also stops cleanly
    check_one_stdout_output({{"--out", o->out}, {"--json", o->json}});
    check_outputs({{"--out", o->out}, {"--json", o->json.empty() ? json_next_to(o->out) : o->json}},
                  {model_input("--model", o->model), model_input("--model-b", o->model_b.empty() ? o->model : o->model_b)});
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    std::unique_ptr<EnergyModel> model_b;
    if (!o->model_b.empty()) {
      model_b = open_model(o->model_b, setup.device, load_options(o->mo));
      model_b->set_weights_trainable(false);
      model_b->train(false);
    }
    CompareConfig cc;
    cc.a = setup.sampler;
    cc.b = o->sampler_b.apply(setup.sampler);  // B: A's settings with the -b flags on top
    cc.chains = o->n;
    cc.diff_range = o->diff_range;
    cc.validate();
    const std::string path_a = resolve_model_path(o->model);
    const std::string path_b = o->model_b.empty() ? path_a : resolve_model_path(o->model_b);
    StderrProgress progress("compare");
    const auto t0 = std::chrono::steady_clock::now();
    const CompareResult r = compare_runs(*setup.model, model_b ? *model_b : *setup.model, cc, std::ref(progress), interrupt.flag());
    progress.finish();
    if (r.cancelled) exit_interrupted("shortrun compare");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t cols = o->cols > 0 ? o->cols : compare_default_cols(o->n);
    const std::string json_path = o->json.empty() ? json_next_to(o->out) : o->json;

    CompareCommand ccmd;
    ccmd.model_a = path_a;
    if (!o->model_b.empty()) ccmd.model_b = path_b;
    ccmd.config = cc;
    ccmd.cols = o->cols;
    ccmd.out_png = o->out;
    ccmd.json = json_path;
    const std::string command = compare_command(ccmd) + runtime_flags(o->rt, o->mo);

    const torch::Tensor rms = compare_rms(r);
    const bool per_chain = o->n <= 256;
    const auto side_json = [&](const std::string& path, const CompareSide& s, const SamplerConfig& cfg) {
      const nlohmann::json curves = s.curves.to_json(per_chain);
      return nlohmann::json{{"model", path},
                            {"sampler", cfg},
                            {"energy_final_mean", curves["energy_mean"].back()},
                            {"grad_norm_final_mean", curves["grad_norm_mean"].back()},
                            {"frozen_chains", o->n - s.alive.sum().item<int64_t>()},
                            {"curves", curves}};
    };
    nlohmann::json j = {{"view", "compare"},
                        {"command", command},
                        {"settings", cc},
                        {"png", "left: A, middle: B, right: x_B - x_A (white 0, red B brighter, blue B darker, full at "
                                "--diff-range); chains 0.." + std::to_string(o->n - 1) + ", same z and u_k"},
                        {"rms_difference_mean", rms.mean().item<double>()},
                        {"rms_difference_per_chain", std::vector<double>(rms.data_ptr<double>(), rms.data_ptr<double>() + rms.numel())},
                        {"max_abs_difference", r.diff.abs().max().item<double>()},
                        {"a", side_json(path_a, r.a, cc.a)},
                        {"b", side_json(path_b, r.b, cc.sampler_b())},
                        {"seconds", secs}};
    if (!json_path.empty()) write_json_report(json_path, j);
    if (!o->out.empty()) write_png(o->out, compare_image(r, cc, cols));
    std::cout << "compare: " << o->n << " chains; mean f at the end A " << j["a"]["energy_final_mean"] << ", B "
              << j["b"]["energy_final_mean"] << "; RMS difference " << j["rms_difference_mean"] << " (" << secs << " s)";
    if (!o->out.empty()) std::cout << " -> " << o->out;
    if (!json_path.empty()) std::cout << ", " << json_path;
    std::cout << "\n";
  });
}

}  // namespace shortrun::cli

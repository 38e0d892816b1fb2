// `shortrun sweep`: the K × step-size contact sheet from one z (contact_sheet.h); rows K, columns
// step sizes, optionally with tune-sampler's FD per cell.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>

#include "cli_common.h"
#include "shortrun/analysis/contact_sheet.h"
#include "shortrun/analysis/reproduce_command.h"
#include "shortrun/base/error.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/model_paths.h"
#include "view_support.h"

namespace shortrun::cli {

void add_sweep_command(CLI::App& app) {
  struct Options {
    std::string model, out = "sheet.png", json, data = "fashion-mnist", features;
    ContactSheetConfig sheet;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("sweep", "Contact sheet from one z: rows K, columns step sizes (same z and noise in every cell)");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--steps", o->sheet.steps, "values of K, one row each")
      ->delimiter(',')->check(CLI::Range(int64_t{0}, int64_t{100000}))->capture_default_str();
  cmd->add_option("--step-sizes", o->sheet.step_sizes, "step sizes, one column each")
      ->delimiter(',')->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--chain", o->sheet.chain, "the chain every cell shows (its z and u_k under --seed)")
      ->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd->add_option("--fd", o->sheet.fd_n, "also the FD of N samples per cell (chains 0..N-1), against the last N "
                                         "training images, as tune-sampler measures it")
      ->check(CLI::Range(int64_t{2}, int64_t{100000}));
  cmd->add_option("--data", o->data, "with --fd: the data whose training split is the reference")->capture_default_str();
  cmd->add_option("--features", o->features, "with --fd: feature net (default: the bundled one)");
  cmd->add_option("--out", o->out, "PNG contact sheet")->capture_default_str();
  cmd->add_option("--json", o->json, "JSON report: settings, the command that reproduces the sheet, f, |grad f| and FD per cell "
                                     "(default: OUT.json)");
  // The sampler flags of `sample`, except that --steps and --step-size are the lists above.
  o->sampler.add(*cmd, "", /*with_steps=*/false);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    Interrupt interrupt;  // from the start: Ctrl+C while loading also stops cleanly
    check_one_stdout_output({{"--out", o->out}, {"--json", o->json}});
    check_outputs({{"--out", o->out}, {"--json", o->json.empty() ? json_next_to(o->out) : o->json}},
                  {model_input("--model", o->model), {"--features", o->features}, data_input(o->data)});
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    ContactSheetConfig sheet = o->sheet;
    sheet.sampler = setup.sampler;
    sheet.validate();
    const std::string model_path = resolve_model_path(o->model);
    FdCriterion criterion;
    if (sheet.fd_n > 0)
      criterion = load_fd_criterion(o->data, o->features.empty() ? default_features() : o->features, sheet.fd_n,
                                    *setup.model, setup.device, o->mo.trust_code);
    StderrProgress progress("sweep");
    const auto t0 = std::chrono::steady_clock::now();
    const ContactSheetResult r =
        run_contact_sheet(*setup.model, sheet, sheet.fd_n > 0 ? &criterion : nullptr, std::ref(progress), interrupt.flag());
    progress.finish();
    if (r.cancelled) exit_interrupted("shortrun sweep");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const std::string json_path = o->json.empty() ? json_next_to(o->out) : o->json;
    SweepCommand sc;  // the line that redraws this sheet (reproduce_command.h, shared with the explorer)
    sc.model = model_path;
    sc.sheet = sheet;
    sc.data = o->data;
    sc.features = o->features;
    sc.out = o->out;
    sc.json = json_path;
    sc.runtime = runtime_flags(o->rt, o->mo);
    const std::string command = sweep_command(sc);

    nlohmann::json cells = nlohmann::json::array();
    for (size_t row = 0; row < sheet.steps.size(); ++row)
      for (size_t col = 0; col < sheet.step_sizes.size(); ++col) {
        nlohmann::json c = {{"row", row},
                            {"col", col},
                            {"steps", sheet.steps[row]},
                            {"step_size", sheet.step_sizes[col]},
                            {"energy", r.energy[row][col].item<double>()},
                            {"grad_norm", r.grad_norm[row][col].item<double>()},
                            {"saturated_fraction", r.saturated[row][col].item<double>()}};
        if (sheet.fd_n > 0) c["fd"] = r.fd[row][col].item<double>();
        cells.push_back(c);
      }
    nlohmann::json j = {{"view", "sweep"},
                        {"command", command},
                        {"model", model_path},
                        {"settings", sheet},
                        {"png", "rows: K (top to bottom as --steps), columns: step size (left to right as --step-sizes); "
                                "each cell is chain " + std::to_string(sheet.chain) + " under seed " +
                                    std::to_string(sheet.sampler.seed)},
                        {"cells", cells},
                        {"seconds", secs}};
    if (sheet.fd_n > 0) {
      j["fd_criterion"] = {{"n", sheet.fd_n}, {"data", o->data}, {"features", criterion.features->description()},
                           {"reference", "the last N training images (as tune-sampler)"}};
    }
    if (!json_path.empty()) write_json_report(json_path, j);
    if (!o->out.empty()) write_png(o->out, contact_sheet_image(r));
    std::cout << "sweep: " << sheet.steps.size() << " K x " << sheet.step_sizes.size() << " step sizes, chain " << sheet.chain
              << " (seed " << sheet.sampler.seed << ") in " << secs << " s";
    if (!o->out.empty()) std::cout << " -> " << o->out;
    if (!json_path.empty()) std::cout << ", " << json_path;
    std::cout << "\n";
    if (sheet.fd_n > 0) {
      std::printf("FD (rows K, columns step size):\n%8s", "K \\ s");
      for (double h : sheet.step_sizes) std::printf(" %9s", format_number(h).c_str());
      std::printf("\n");
      for (size_t row = 0; row < sheet.steps.size(); ++row) {
        std::printf("%8lld", static_cast<long long>(sheet.steps[row]));
        for (size_t col = 0; col < sheet.step_sizes.size(); ++col) std::printf(" %9.3f", r.fd[row][col].item<double>());
        std::printf("\n");
      }
    }
  });
}

}  // namespace shortrun::cli

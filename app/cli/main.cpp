// `shortrun`: the command-line face of the core library. Errors print one line and exit 1;
// usage errors exit 2.
#include <csignal>
#include <cstring>
#include <iostream>

#include "cli_common.h"
#include "cmd_generate.h"
#include "shortrun/base/build_info.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"

// Called by core before any library starts (base/runtime.cpp): these commands run no parallel
// work, so they need no OpenMP wait policy and skip the re-execution that sets it (about 0.15 s
// of CPU; BENCHMARKS.md, "Chains in parallel").
extern "C" int shortrun_command_is_light(int argc, char** argv) {
  if (argc < 2) return 1;  // the usage line
  const char* c = argv[1];
  return std::strcmp(c, "--version") == 0 || std::strcmp(c, "--help") == 0 || std::strcmp(c, "-h") == 0 ||
         std::strcmp(c, "info") == 0;
}

int main(int argc, char** argv) {
  // A reader that quits early (`shortrun sample --out - | head -c 10`) must not end the process
  // silently by SIGPIPE: the write then fails with EPIPE and the output's writer says so in one line.
  std::signal(SIGPIPE, SIG_IGN);
  // An output written to "-" (--out -, --npy=-) owns stdout: everything else that would print
  // there (progress lines, library warnings) goes to stderr instead.
  for (int i = 1; i < argc; ++i) {
    const size_t n = std::strlen(argv[i]);
    if (std::strcmp(argv[i], "-") == 0 || (n > 3 && argv[i][0] == '-' && std::strcmp(argv[i] + n - 2, "=-") == 0))
      shortrun::reserve_stdout_for_output();
  }
  CLI::App app{"shortrun — energy-based models learned with short-run MCMC (Nijkamp et al. 2019)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", shortrun::build_line());
  shortrun::cli::add_info_command(app);
  shortrun::cli::add_sample_command(app);
  shortrun::cli::add_convert_command(app);
  shortrun::cli::add_train_command(app);
  shortrun::cli::add_interpolate_command(app);
  shortrun::cli::add_reconstruct_command(app);
  shortrun::cli::add_eval_recon_command(app);
  shortrun::cli::add_train_features_command(app);
  shortrun::cli::add_eval_command(app);
  shortrun::cli::add_tune_sampler_command(app);
  shortrun::cli::add_plot_command(app);
  shortrun::cli::add_bench_command(app);
  shortrun::cli::add_sweep_command(app);
  shortrun::cli::add_compare_command(app);
  shortrun::cli::add_score_command(app);
  shortrun::cli::add_generate_command(app);
  shortrun::cli::add_compare_models_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const shortrun::cli::ExitStatus& e) {
    return e.code;
  } catch (const CLI::ParseError& e) {
    std::cerr << "usage error: " << shortrun::printable(e.what()) << " (see shortrun --help)\n";
    return 2;
  } catch (const shortrun::Error& e) {
    // printable: whatever a message quotes (a file name, a key) cannot add a line.
    std::cerr << "error: " << shortrun::printable(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    // LibTorch errors carry a multi-line backtrace: keep the first line.
    std::string what = e.what();
    std::cerr << "error: " << shortrun::printable(what.substr(0, what.find('\n'))) << "\n";
    return 1;
  }
  return 0;
}

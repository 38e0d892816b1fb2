// shortrun-explorer: the GUI. Parses the command line, opens the window on the bundled model
// (or MODEL) and runs the frame loop; --script/--screenshot/--frames make it testable headless.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "shell/explorer.h"
#include "shortrun/base/error.h"

int main(int argc, char** argv) {
  using namespace shortrun::explorer;
  ExplorerOptions o;
  CLI::App app{"Shortrun Explorer: watch, scrub, interpolate and reconstruct short-run Langevin chains"};
  app.add_option("model", o.model, "checkpoint (.safetensors, TorchScript .pt, state_dict .pth, run dir); default: the bundled model");
  app.add_option("--device", o.device, "cpu, cuda or auto")->capture_default_str();
  app.add_option("--threads", o.threads, "torch threads (0: one less than the cores, so the UI keeps one)")->capture_default_str();
  app.add_option("--chains", o.chains, "chains in the grid")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--size", [&](const CLI::results_t& r) {
       return std::sscanf(r[0].c_str(), "%dx%d", &o.width, &o.height) == 2 && o.width >= 320 && o.height >= 240;
     }, "window size WxH (default 1280x800)");
  app.add_option("--tab", o.tab, "tab shown first: chains, interpolation, reconstruct, or a view (long_run, sweep, ood, compare, training, toy2d)");
  app.add_option("--script", o.script, "replay UI actions from this JSON file (see app/explorer/script.h)");
  app.add_flag("--stay", o.stay, "keep the window open after the script instead of exiting");
  app.add_option("--screenshot", o.screenshot, "write the window to this PNG after the script and --frames, then exit");
  app.add_option("--frames", o.frames, "render this many frames (after the script), then exit")->check(CLI::NonNegativeNumber);
  app.add_option("--dump-state", o.dump_state, "write the explorer's state as JSON at exit");
  app.add_option("--config-dir", o.config_dir, "where imgui.ini and recent files live ('none': do not persist)");
  app.add_flag("!--no-interop", o.interop, "never use CUDA-GL interop for texture uploads");
  CLI11_PARSE(app, argc, argv);
  try {
    Explorer explorer(o);
    const int rc = explorer.run();
    if (explorer.session.abandoned_workers() > 0) {
      // A stuck job's thread still runs: skip destructors and exit handlers it could trip on.
      std::fflush(nullptr);
      std::_Exit(rc);
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shortrun-explorer: %s\n", e.what());
    return 1;
  }
}

// The explorer's command-line options (main.cpp) and the worker options they imply.
#pragma once
#include <string>

#include "worker/worker.h"

namespace shortrun::explorer {

struct ExplorerOptions {
  std::string model;            // "" = the bundled model
  std::string device = "cpu";
  int threads = 0;              // torch threads (0: cores − 1)
  int chains = 16;
  int width = 1280, height = 800;
  std::string screenshot;       // write the window here after the script and --frames, then exit
  int frames = 0;               // frames to render before the screenshot/exit (0 = run until closed)
  std::string script;           // actions.json to replay (the app exits when it ends)
  bool stay = false;            // keep the window open after the script
  std::string dump_state;       // write the state JSON here at exit
  std::string config_dir;       // "" default, "none" = do not persist
  std::string tab;              // a view's id: chains, interpolation, reconstruct, long_run, ...
  bool interop = true;          // CUDA-GL interop when built with it and the model is on CUDA
};

// The worker's options for these explorer options (device, threads, CUDA frames for interop).
inline WorkerOptions worker_options_for(const ExplorerOptions& options) {
  WorkerOptions wo;
  wo.device = options.device;
  wo.threads = options.threads;
#ifdef SHORTRUN_WITH_CUDA
  wo.device_frames = options.interop && options.device != "cpu";
#endif
  return wo;
}

}  // namespace shortrun::explorer

// ExportRequest: what the Chains tab asks the worker to write (a grid PNG at one step, or a
// chain's frames). Its own header so the export code (export_jobs) need not know the worker.
#pragma once
#include <memory>
#include <string>

#include "worker/snapshots.h"

namespace shortrun::explorer {

struct ExportRequest {
  std::string kind;        // grid_png | chain_frames
  std::string path;        // PNG file (grid_png) or folder (chain_frames)
  std::shared_ptr<ChainRun> run;
  int step = 0;            // grid_png: which step
  int selected = -1;       // chain_frames: -1 = the whole grid, else one chain
  std::string video;       // chain_frames: "" | gif | mp4
  int upscale = 1;         // nearest-neighbour magnification of the PNGs
  std::string model_path;
  std::string default_init = "uniform";  // the model's own z distribution (what sample takes without --init)
  std::string weights_flag;              // " --weights raw" when needed (weights_pick.h)
};

}  // namespace shortrun::explorer

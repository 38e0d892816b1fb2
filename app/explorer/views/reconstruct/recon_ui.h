// The Reconstruct tab's state: the canvas, the tools' settings, what the result images show, and
// the textures they are drawn from. reconstruct_view.cpp and recon_inputs.cpp share it; nothing
// outside views/reconstruct/ sees it.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "display/colour_bar.h"
#include "display/display_image.h"
#include "widgets/canvas.h"
#include "worker/snapshots.h"

namespace shortrun::explorer {

// What a model switch resets (ReconTab::ui); the tools among it are kept (recon_inputs.cpp).
struct ReconUi {
  Brush brush;
  int iters = 100;
  float lr = 0.05f;
  int chain = 0;
  float error_range = 1.0f;
  uint64_t shown_canvas = ~0ull;
  uint64_t shown_recon = 0;
  int shown_done = -1;
  char image_path[1024] = "";
  bool requested = false;     // a reconstruction has been asked for since the last model load
  std::string image_note;     // what loading the image did to fit the model (pad, crop, resize)
  std::string image_error;    // the image path field's error ("" if none)
  uint64_t hidden_run = 0;    // a result made before the current image was loaded: not shown
  float mask_p = 0.5f;        // the random mask preset's fraction hidden
  std::string mask_preset;    // the last preset applied (center | left | random:P), "" if none
  uint64_t shown_observed = 0;  // the run whose observed image the thumbnail holds
  SamplerSettings sampler_used;  // the sampler settings of the last reconstruction asked for
};

struct ReconTab {
  ReconUi ui;
  Canvas canvas;
  uint64_t applied_image = 0;  // the last LoadedImage put on the canvas
  std::chrono::steady_clock::time_point started;  // prices the next reconstruction
  uint64_t measured = 0;                          // the reconstruction whose rate the book has
  struct Textures {
    DisplayImage canvas, recon, error, observed;
    ColourBar error_bar;
  };
  std::unique_ptr<Textures> tex = std::make_unique<Textures>();  // replaced before the GL context goes
};

}  // namespace shortrun::explorer

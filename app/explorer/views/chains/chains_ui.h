// The Chains tab's state: the step shown, playback, the enlarged chain and its inspector, and the
// textures the grid and the difference heatmap are drawn from. chains_view.cpp and
// chain_inspector.cpp share it; nothing outside views/chains/ sees it.
#pragma once
#include <cstdint>
#include <memory>

#include "display/colour_bar.h"
#include "display/display_image.h"
#include "display/image_grid.h"
#include "views/chains/chain_inspector.h"
#include "views/view.h"
#include "worker/snapshots.h"

namespace shortrun::explorer {

struct ChainsUi {
  int step = 0;               // the step shown (scrubber)
  bool playing = false, loop = true;
  float speed = 20.0f;        // steps per second while playing
  bool follow = true;         // the scrubber follows the newest step while a run streams in
  int selected = -1;          // enlarged chain
  float residual_range = 0.05f;
  bool residual_auto = true;
  bool nearest = true;
  double play_accum = 0;
  uint64_t shown_run = 0;     // what the grid texture holds: run and kept step
  int shown_step = -1;
  InspectorUi inspector;      // the enlarged chain's zoom, pan and difference view
  int slider_max = 0;         // the step slider's range: the shown run's K
  struct Textures {
    ImageGrid grid;
    DisplayImage heat;
    ColourBar heat_bar;
  };
  std::unique_ptr<Textures> tex = std::make_unique<Textures>();  // replaced (released) before the GL context goes
};

// The enlarged chain: `index` if the run has it, else none.
void select_chain(ChainsUi& c, const ChainRun* run, int index);
// The step shown, within what has been sampled; the scrubber stops following.
void set_step(ChainsUi& c, const ChainRun* run, int step);
// The enlarged chain's image, difference heatmap, read-out and actions (chain_inspector.cpp).
void draw_chain_inspector(ViewContext& ctx, ChainsUi& c, const ChainRun& run, float big);

}  // namespace shortrun::explorer

// Every control gets a tooltip through tip(), and tip() also records where the control was laid
// out this frame: the state dump's "layout", which the GUI tests read to check that nothing is
// clipped or out of reach at small window sizes. record_layout() records an item without a tip.
#pragma once
#include <string>
#include <vector>

namespace shortrun::explorer {

// A control as laid out in the last frame.
struct LaidOutItem {
  std::string tip, window;
  std::vector<float> rect, window_rect;  // x0, y0, x1, y1 in screen pixels
  float scroll_max_y = 0, scroll_y = 0;
  bool disabled = false;
  std::string why;    // a disabled control's reason (disabled_why.h); "" if none was given
  float limit_w = 0;  // > 0: the width the item must fit in (a plot title: its plot's width)
};

// A tooltip on the last item (shown when hovered, disabled or not, with the reason of the scope
// that disabled it), and the item's rectangle recorded.
void tip(const char* text);
// Records the last item without a tooltip (a plot's title): `what` names it, and `limit_w` > 0 is
// the width it must fit in (the plot's), checked by the GUI tests.
void record_layout(const std::string& what, float limit_w = 0);

// The frame loop: forget the last frame's items, then read this frame's after the UI is built.
void begin_layout_frame();
const std::vector<LaidOutItem>& laid_out_items();
const std::string& hovered_tip_text();  // the tooltip shown this frame, "" if none

}  // namespace shortrun::explorer

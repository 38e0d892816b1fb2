// The explorer's views beyond Chains, Interpolation and Reconstruct, in tab order. A new view
// is a panel_*.cpp with a View subclass and one line here.
#include "view.h"

namespace shortrun::explorer {

std::unique_ptr<View> make_toy2d_view();

std::vector<std::unique_ptr<View>> make_views() {
  std::vector<std::unique_ptr<View>> views;
  views.push_back(make_toy2d_view());
  return views;
}

}  // namespace shortrun::explorer

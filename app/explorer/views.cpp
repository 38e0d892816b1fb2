// The explorer's views beyond Chains, Interpolation and Reconstruct, in tab order. A new view
// is a panel_*.cpp with a View subclass and one line here.
#include "view.h"

namespace shortrun::explorer {

std::unique_ptr<View> make_long_run_view();  // panel_long_run.cpp
std::unique_ptr<View> make_sweep_view();     // panel_sweep.cpp

std::vector<std::unique_ptr<View>> make_views() {
  std::vector<std::unique_ptr<View>> views;
  views.push_back(make_long_run_view());
  views.push_back(make_sweep_view());
  return views;
}

}  // namespace shortrun::explorer

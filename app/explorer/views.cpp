// The explorer's views beyond Chains, Interpolation and Reconstruct, in tab order. A new view
// is a panel_*.cpp with a View subclass and one line here.
#include "view.h"

namespace shortrun::explorer {

std::unique_ptr<View> make_long_run_view();  // panel_long_run.cpp
std::unique_ptr<View> make_sweep_view();     // panel_sweep.cpp
std::unique_ptr<View> make_ood_view();       // panel_ood.cpp
std::unique_ptr<View> make_compare_view();   // panel_compare.cpp
std::unique_ptr<View> make_training_view();  // panel_training.cpp
std::unique_ptr<View> make_runs_view();      // panel_runs.cpp
std::unique_ptr<View> make_toy2d_view();     // panel_toy2d.cpp

std::vector<std::unique_ptr<View>> make_views() {
  std::vector<std::unique_ptr<View>> views;
  views.push_back(make_long_run_view());
  views.push_back(make_sweep_view());
  views.push_back(make_ood_view());
  views.push_back(make_compare_view());
  views.push_back(make_training_view());
  views.push_back(make_runs_view());
  views.push_back(make_toy2d_view());
  return views;
}

}  // namespace shortrun::explorer

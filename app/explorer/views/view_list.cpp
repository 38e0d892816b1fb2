// The explorer's views, in tab order: the one list a new view is added to (each is a folder,
// views/<id>/, with a make_*_view() factory; app/explorer/README.md says what else it needs).
#include "views/view.h"

namespace shortrun::explorer {

std::unique_ptr<View> make_chains_view();         // views/chains/
std::unique_ptr<View> make_interpolation_view();  // views/interpolation/
std::unique_ptr<View> make_reconstruct_view();    // views/reconstruct/
std::unique_ptr<View> make_long_run_view();       // views/long_run/
std::unique_ptr<View> make_sweep_view();          // views/sweep/
std::unique_ptr<View> make_ood_view();            // views/ood/
std::unique_ptr<View> make_compare_view();        // views/compare/
std::unique_ptr<View> make_training_view();       // views/training/
std::unique_ptr<View> make_runs_view();           // views/runs/
std::unique_ptr<View> make_toy2d_view();          // views/toy2d/

std::vector<std::unique_ptr<View>> make_views() {
  std::vector<std::unique_ptr<View>> views;
  views.push_back(make_chains_view());
  views.push_back(make_interpolation_view());
  views.push_back(make_reconstruct_view());
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

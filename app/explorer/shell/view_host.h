// The tabs: every view (views/view_list.cpp) in tab order, which one is shown, their per-frame
// update (a model switch first), their own jobs in the job list, and the tab bar's items.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "views/view.h"

namespace shortrun::explorer {

class ViewHost {
 public:
  ViewHost();
  const std::vector<std::unique_ptr<View>>& views() const { return views_; }
  View* find(const std::string& id) const;
  View& shown() const { return *views_[size_t(shown_)]; }
  // Shows the tab with this id on the next frame; false if there is none.
  bool show(const std::string& id);
  std::string shown_id() const { return shown().id(); }
  // Every frame, before the UI is built: model_changed() on a new model, update(), and each
  // view's own jobs appended to the job list (ids from kOwnJobIdBase up).
  void update(ViewContext& ctx);
  bool busy() const;       // a view's jobs or own work are running
  bool animating() const;  // a view keeps frames coming (playback, a stroke, work)
  void cancel_job(Session& session, uint64_t id);
  void cancel_all_jobs(Session& session);
  // The tab items, inside the tab bar: the shown one is drawn.
  void draw_tabs(ViewContext& ctx);
  void release_gl();

 private:
  std::vector<std::unique_ptr<View>> views_;
  int shown_ = 0;
  bool from_code_ = true;  // select shown_ in the tab bar on the next frame
  uint64_t model_ = 0;     // the model the views last saw
};

}  // namespace shortrun::explorer

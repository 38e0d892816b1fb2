// ViewHost (view_host.h): the tabs and their per-frame work.
#include "shell/view_host.h"

#include <imgui.h>

#include <algorithm>

namespace shortrun::explorer {

namespace {
// Ids of views' own jobs in the job list: above the views' queue's, the view's index in bits
// 20.. and its own id below.
constexpr uint64_t kOwnJobIdBase = uint64_t(1) << 41;
constexpr int kOwnJobIdBits = 20;
}  // namespace

ViewHost::ViewHost() : views_(make_views()) {}

View* ViewHost::find(const std::string& id) const {
  for (const auto& v : views_)
    if (id == v->id()) return v.get();
  return nullptr;
}

bool ViewHost::show(const std::string& id) {
  for (size_t i = 0; i < views_.size(); ++i)
    if (id == views_[i]->id()) {
      shown_ = int(i);
      from_code_ = true;
      return true;
    }
  return false;
}

void ViewHost::update(ViewContext& ctx) {
  Published& pub = ctx.session.pub;
  const uint64_t model_id = pub.model ? pub.model->id : 0;
  const bool model_changed = model_id != model_;
  model_ = model_id;
  for (size_t i = 0; i < views_.size(); ++i) {
    View& v = *views_[i];
    if (model_changed) v.model_changed(ctx);
    v.update(ctx);
    for (JobStatus& j : v.own_jobs()) {
      j.id = kOwnJobIdBase + (uint64_t(i) << kOwnJobIdBits) + j.id;
      pub.jobs.push_back(std::move(j));
    }
  }
}

bool ViewHost::busy() const {
  return std::any_of(views_.begin(), views_.end(), [](const auto& v) { return v->busy(); });
}

bool ViewHost::animating() const {
  return std::any_of(views_.begin(), views_.end(), [](const auto& v) { return v->animating(); });
}

void ViewHost::cancel_job(Session& session, uint64_t id) {
  if (id < kOwnJobIdBase) return session.cancel_job(id);
  const uint64_t view = (id - kOwnJobIdBase) >> kOwnJobIdBits;
  if (view < views_.size()) views_[view]->stop_own_job(id & ((uint64_t(1) << kOwnJobIdBits) - 1));
}

void ViewHost::cancel_all_jobs(Session& session) {
  session.cancel_all_jobs();
  for (auto& v : views_)
    for (const JobStatus& j : v->own_jobs()) v->stop_own_job(j.id);
}

void ViewHost::draw_tabs(ViewContext& ctx) {
  // A switch asked for while a view draws (Show its chain) takes effect on the next frame.
  const bool from_code = from_code_;
  from_code_ = false;
  for (size_t i = 0; i < views_.size(); ++i) {
    const ImGuiTabItemFlags flags = (from_code && shown_ == int(i)) ? ImGuiTabItemFlags_SetSelected : 0;
    if (ImGui::BeginTabItem(views_[i]->title(), nullptr, flags)) {
      if (!from_code && !from_code_) shown_ = int(i);
      const ModelInfo* m = ctx.session.pub.model.get();
      if (views_[i]->needs_energy_model() && m && !m->is_ebm()) {
        ImGui::TextWrapped("%s needs an energy model: the loaded %s (%s) is a generator with no energy f(x) and no "
                           "Langevin chain. With it, use Interpolation, Reconstruct and Compare (or load an EBM).",
                           views_[i]->title(), m->kind_name.c_str(), m->path.c_str());
      } else {
        views_[i]->draw(ctx);
      }
      ImGui::EndTabItem();
    }
  }
}

void ViewHost::release_gl() {
  for (auto& v : views_) v->release_gl();
}

}  // namespace shortrun::explorer

// The Explorer's side of the views (view.h): the context they draw with, their per-frame
// update, the errors of their jobs, and tab lookup by id.
#include <algorithm>
#include <map>

#include "explorer.h"
#include "file_kinds.h"
#include "image_export.h"
#include "file_browser.h"
#include "script.h"
#include "shortrun/base/error.h"

namespace shortrun::explorer {

namespace {
const char* const kBuiltInTabs[] = {"chains", "interpolation", "reconstruct"};
// Ids of views' own jobs in the job list: above the views' queue's, the view's index in bits
// 20.. and its own id below.
constexpr uint64_t kOwnJobIdBase = uint64_t(1) << 41;
constexpr int kOwnJobIdBits = 20;
}

View* Explorer::find_view(const std::string& id) {
  for (auto& v : view_tabs)
    if (id == v->id()) return v.get();
  return nullptr;
}

std::string ViewContext::folder_for(const std::string& own) const {
  return own.empty() ? export_folder : absolute_folder(own);
}

ViewContext Explorer::view_context() {
  ViewContext ctx{session, *uploader, *colormap, config, ui_scale_, seconds_since_start(), {}, {}, {}, {}, {}, {}, {}};
  ctx.export_folder = absolute_folder(exporter.folder);
  ctx.load_model = [this](const std::string& path) { load_model(path); };
  ctx.show_tab = [this](const std::string& id) { show_tab(id); };
  ctx.status = [this](const std::string& line) { status_message = line; };
  ctx.error = [this](const std::string& line) {
    errors.push_back(line);
    status_message = line;
  };
  ctx.browse_images = [this](const std::string& title, const std::string& near, std::function<void(const std::string&)> picked) {
    open_file_browser(*this, BrowseFor::kImage, std::move(picked), title, near);
  };
  ctx.browse_models = [this](const std::string& title, const std::string& near, std::function<void(const std::string&)> picked) {
    open_file_browser(*this, BrowseFor::kModel, std::move(picked), title, near);
  };
  return ctx;
}

bool Explorer::show_tab(const std::string& id) {
  for (int i = 0; i < 3; ++i)
    if (id == kBuiltInTabs[i]) {
      tab = Tab(i);
      tab_from_code = true;
      return true;
    }
  for (size_t i = 0; i < view_tabs.size(); ++i)
    if (id == view_tabs[i]->id()) {
      tab = Tab(3 + int(i));
      tab_from_code = true;
      return true;
    }
  return false;
}

std::string Explorer::tab_id() const {
  const int i = int(tab);
  if (i < 3) return kBuiltInTabs[i];
  return i - 3 < int(view_tabs.size()) ? view_tabs[i - 3]->id() : "";
}

void Explorer::check_view_names() const {
  // Controls and buttons are separate namespaces ("set" and "press").
  std::map<std::string, std::string> controls, buttons;  // name -> who has it
  const auto claim = [](std::map<std::string, std::string>& owner, const std::vector<std::string>& names,
                        const std::string& who) {
    for (const std::string& n : names) {
      const auto [it, fresh] = owner.emplace(n, who);
      if (!fresh) throw Error("script name '" + n + "' is used by both " + it->second + " and " + who);
    }
  };
  claim(controls, ScriptRunner::controls(), "the built-in controls");
  claim(buttons, ScriptRunner::buttons(), "the built-in buttons");
  for (const auto& v : view_tabs) {
    claim(controls, v->controls(), std::string("view ") + v->id());
    claim(buttons, v->buttons(), std::string("view ") + v->id());
  }
}

void Explorer::update_views() {
  ViewContext ctx = view_context();
  const uint64_t model_id = pub.model ? pub.model->id : 0;
  const bool model_changed = model_id != views_model_;
  views_model_ = model_id;
  for (size_t i = 0; i < view_tabs.size(); ++i) {
    View& v = *view_tabs[i];
    if (model_changed) v.model_changed(ctx);
    v.update(ctx);
    for (JobStatus& j : v.own_jobs()) {
      j.id = kOwnJobIdBase + (uint64_t(i) << kOwnJobIdBits) + j.id;
      pub.jobs.push_back(std::move(j));
    }
  }
  const auto [line, version] = session.view_jobs->error();
  if (version != seen_view_error_) {
    seen_view_error_ = version;
    errors.push_back(line);
    status_message = line;
  }
}

bool Explorer::views_busy() const {
  return !session.view_jobs->idle() ||
         std::any_of(view_tabs.begin(), view_tabs.end(), [](const auto& v) { return v->busy(); });
}

void Explorer::cancel_job(uint64_t id) {
  if (id < kOwnJobIdBase) return session.cancel_job(id);
  const uint64_t view = (id - kOwnJobIdBase) >> kOwnJobIdBits;
  if (view < view_tabs.size()) view_tabs[view]->stop_own_job(id & ((uint64_t(1) << kOwnJobIdBits) - 1));
}

void Explorer::cancel_all_jobs() {
  session.cancel_all_jobs();
  for (auto& v : view_tabs)
    for (const JobStatus& j : v->own_jobs()) v->stop_own_job(j.id);
}

void Explorer::drop_files(const std::vector<std::string>& paths) {
  const int i = int(tab) - 3;
  if (i >= 0 && i < int(view_tabs.size())) {
    ViewContext ctx = view_context();
    if (view_tabs[size_t(i)]->take_drop(ctx, paths)) return;
  }
  for (const std::string& p : paths) drop_file(p);
}

bool Explorer::open_toy_model(const std::string& path) {
  View* v = find_view("toy2d");
  if (!v || safetensors_role(path) != SafetensorsRole::kToy2d) return false;
  ViewContext ctx = view_context();
  show_tab("toy2d");
  model_error.clear();
  if (!v->take_drop(ctx, {path})) return false;
  status_message = path + " is a 2-D playground model (points, not images): opened in the 2-D tab";
  return true;
}

void Explorer::draw_view(int index) {
  ViewContext ctx = view_context();
  view_tabs[size_t(index)]->draw(ctx);
}

}  // namespace shortrun::explorer

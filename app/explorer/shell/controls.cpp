// How views, panels and scripts reach the shell: the ViewContext of a frame, and the script
// names. A name is looked up in the shell's own list, then the sidebar's panels, then the
// views, so a view's controls are its own (View::controls/buttons) and a cross-view request
// ("seed_a", "show_chain") is the same call a script makes.
#include <algorithm>
#include <cstdlib>
#include <map>

#include "display/image_export.h"
#include "shell/explorer.h"
#include "shortrun/base/error.h"

namespace shortrun::explorer {

namespace {

const std::vector<std::string> kShellControls = {"tab", "help", "sidebar_width", "sidebar_collapsed", "browser_all_files",
                                                 "chain_rate_for_test"};
const std::vector<std::string> kShellButtons = {"abandon_worker", "browse_model", "browser_up", "browser_home",
                                                "browser_use_folder", "browser_cancel", "export_window"};

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The panels and views, in lookup order.
std::vector<ScriptTarget*> targets(Explorer& ex) {
  std::vector<ScriptTarget*> out = {&ex.model_panel, &ex.sampler_panel, &ex.export_panel, &ex.jobs_panel};
  for (const auto& v : ex.views.views()) out.push_back(v.get());
  return out;
}

std::string who(const Explorer& ex, const ScriptTarget* t) {
  for (const auto& v : ex.views.views())
    if (v.get() == t) return std::string("view ") + v->id();
  return "a sidebar panel";
}

}  // namespace

ViewContext view_context(Explorer& ex) {
  ViewContext ctx(ex.session, *ex.uploader, *ex.colormap, ex.config);
  ctx.ui_scale = ex.window->ui_scale();
  ctx.now = ex.seconds_since_start();
  ctx.exports = ex.export_panel.settings();
  ctx.export_folder = absolute_folder(ctx.exports.folder);
  ctx.typing = ex.typing;
  ctx.load_model = [&ex](const std::string& path) { load_model(ex, path); };
  ctx.open_file = [&ex](const std::string& path) { open_file(ex, path); };
  ctx.show_tab = [&ex](const std::string& id) { ex.views.show(id); };
  ctx.status = [&ex](const std::string& line) { ex.log.say(line); };
  ctx.error = [&ex](const std::string& line) { ex.log.error(line); };
  ctx.browse_images = [&ex](const std::string& title, const std::string& near, std::function<void(const std::string&)> picked) {
    open_file_browser(ex.browser, ex.config, BrowseFor::kImage, near, std::move(picked), title);
  };
  ctx.browse_image_file = [&ex](const std::string& near, std::function<void(const std::string&)> picked) {
    open_file_browser(ex.browser, ex.config, BrowseFor::kImage, near, std::move(picked), "", false);
  };
  ctx.browse_models = [&ex](const std::string& title, const std::string& near, std::function<void(const std::string&)> picked) {
    open_file_browser(ex.browser, ex.config, BrowseFor::kModel, near, std::move(picked), title);
  };
  ctx.set_control = [&ex](const std::string& name, const nlohmann::json& value) { set_control(ex, name, value); };
  ctx.press = [&ex](const std::string& name) { press(ex, name); };
  ctx.cancel_job = [&ex](uint64_t id) { ex.views.cancel_job(ex.session, id); };
  ctx.cancel_all_jobs = [&ex] { ex.views.cancel_all_jobs(ex.session); };
  ctx.first_image = [&ex] {
    if (ex.stats.first_image_s < 0) ex.stats.first_image_s = ex.seconds_since_start();
  };
  return ctx;
}

void set_control(Explorer& ex, const std::string& name, const nlohmann::json& v) {
  if (name == "tab") {
    const std::string t = v.get<std::string>();
    if (!ex.views.show(t)) throw Error("unknown tab '" + t + "'");
  } else if (name == "help") ex.show_help = v.get<bool>();
  else if (name == "sidebar_width") ex.sidebar.width = std::clamp(v.get<float>(), 220.0f, 2000.0f), ex.sidebar.dragged = true;
  else if (name == "sidebar_collapsed") ex.sidebar.collapsed = v.get<bool>();
  else if (name == "browser_all_files") ex.browser.show_all = v.get<bool>();
  // As if the loaded model's chains had been measured at this many chain-steps/s (a slow machine, on demand).
  else if (name == "chain_rate_for_test") ex.session.costs.set_measured_for_test(std::clamp(v.get<double>(), 1e-3, 1e9));
  else {
    for (ScriptTarget* t : targets(ex))
      if (has(t->controls(), name)) {
        ViewContext ctx = view_context(ex);
        return t->set_control(ctx, name, v);
      }
    throw Error("unknown control '" + name + "'");
  }
}

void press(Explorer& ex, const std::string& name) {
  if (name == "abandon_worker") abandon_worker(ex);
  else if (name == "browse_model") browse_model(ex);
  else if (name == "browser_up") browser_pick(ex.browser, ex.config, "..");
  else if (name == "browser_home") ex.browser.navigate(std::getenv("HOME") ? std::getenv("HOME") : "/");
  else if (name == "browser_use_folder") browser_use_folder(ex.browser, ex.config);
  else if (name == "browser_cancel") ex.browser.close();
  else if (name == "export_window") export_window(ex);
  else {
    for (ScriptTarget* t : targets(ex))
      if (has(t->buttons(), name)) {
        ViewContext ctx = view_context(ex);
        return t->press(ctx, name);
      }
    throw Error("unknown button '" + name + "'");
  }
}

void check_script_names(Explorer& ex) {
  // Controls and buttons are separate namespaces ("set" and "press").
  std::map<std::string, std::string> controls, buttons;  // name -> who has it
  const auto claim = [](std::map<std::string, std::string>& owner, const std::vector<std::string>& names,
                        const std::string& by) {
    for (const std::string& n : names) {
      const auto [it, fresh] = owner.emplace(n, by);
      if (!fresh) throw Error("script name '" + n + "' is used by both " + it->second + " and " + by);
    }
  };
  claim(controls, kShellControls, "the shell");
  claim(buttons, kShellButtons, "the shell");
  for (const ScriptTarget* t : targets(ex)) {
    claim(controls, t->controls(), who(ex, t));
    claim(buttons, t->buttons(), who(ex, t));
  }
}

}  // namespace shortrun::explorer

// ScriptRunner: one action a frame, and the waits (the names it sets and presses: controls.cpp).
#include "shell/script.h"


#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "shell/explorer.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_util.h"
#include "worker/jobs_text.h"
#include "worker/run_cost.h"

namespace shortrun::explorer {

ScriptRunner::ScriptRunner(const std::string& path) : path_(path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the script");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (j.is_object() && j.contains("actions")) j = j["actions"];
  if (!j.is_array()) throw Error(path + ": expected a JSON array of actions (or {\"actions\": [...]})");
  for (const auto& a : j) {
    if (!a.is_object() || !a.contains("do") || !a["do"].is_string())
      throw Error(path + ": every action must be an object with a \"do\" string, got " + a.dump());
    actions_.push_back(a);
  }
}

bool ScriptRunner::step(Explorer& ex) {
  if (next_ >= actions_.size() || !error_.empty()) return false;
  const nlohmann::json& a = actions_[next_];
  try {
    if (run_action(ex, a)) {
      ++next_;
      waiting_ = false;
    }
  } catch (const std::exception& e) {
    error_ = path_ + ": action " + std::to_string(next_ + 1) + " " + a.dump() + ": " + e.what();
    return false;
  }
  return next_ < actions_.size() || waiting_;
}

bool ScriptRunner::idle_wait() const {
  return waiting_ && next_ < actions_.size() && actions_[next_].value("for", "") == "file";
}

bool ScriptRunner::waiting_done(Explorer& ex, const nlohmann::json& a) {
  const std::string what = json_get(a, "for", "idle");
  const Published& p = ex.session.pub;
  // Requests the shown view has not handed to a job yet count as pending work, as do settings
  // not yet sampled.
  const bool idle = ex.session.idle() && !ex.views.shown().pending_requests() && ex.session.sampler == ex.session.requested_sampler;
  if (what == "frames") return ++wait_frames_ >= json_get(a, "frames", 1);
  // A costly-run prompt waits for a person: a wait for work to finish would wait for ever with
  // the worker idle. Say so at once.
  if (ex.session.job_prompt.open && what != "prompt" && what != "frames" && what != "file" && what != "stuck" && what != "browser")
    throw Error("waiting for " + what + ", but a job waits for a yes (" + ex.session.job_prompt.what +
                "): press confirm_run or decline_run first");
  if (ex.session.cost_prompt.open && (what == "idle" || what == "model" || what == "sampler" || what == "interpolation" ||
                                      what == "reconstruction" || what == "image"))
    throw Error("waiting for " + what + ", but the costly-run prompt is open (" +
                describe_cost(ex.session.cost_prompt.cost, ex.session.cost_prompt.settings.steps) + ", time " +
                ex.session.costs.basis() + "): press confirm_run or decline_run first");
  if (what == "idle") return idle;
  // A model load (or its failure) since the last non-wait action.
  if (what == "model")
    return idle && ((p.model ? p.model->id : 0) != before_model_ || ex.log.errors.size() != before_errors_);
  if (what == "sampler") return idle && p.chains && p.chains->finished.load();
  if (what == "interpolation") {
    const View* v = ex.views.find("interpolation");
    return idle && p.interp_live && p.interp_strip && !(v && v->pending_requests());
  }
  if (what == "reconstruction") return idle && p.recon && p.recon->finished.load();
  // A job of this kind running with at least `done` units finished (job list, progress, ETA).
  if (what == "job") {
    for (const JobStatus& j : p.jobs)
      if (j.kind == json_get(a, "kind", "sample") && j.state == "running" && j.done >= json_get(a, "done", 1)) return true;
    return false;
  }
  if (what == "prompt") return ex.session.cost_prompt.open || ex.session.job_prompt.open;
  if (what == "stuck") return ex.stuck_job();
  // A file appears (a test driving real X events says it is done).
  if (what == "file") return std::filesystem::exists(a.at("path").get<std::string>());
  // An image read (or a failure) since the last non-wait action.
  if (what == "image") return idle && ((p.image && p.image->id != before_image_) || ex.log.errors.size() != before_errors_);
  if (what == "browser") return ex.browser.listing_done();
  // Every real input event received so far handed to ImGui (one key change a frame: a typed path
  // takes a frame a character).
  if (what == "input") return !ex.window->input().pending();
  // A view's work (its jobs and whatever it waits on) is done.
  if (what == "view") {
    View* view = ex.views.find(a.at("view").get<std::string>());
    if (!view) throw Error("unknown view '" + a.at("view").get<std::string>() + "'");
    return ex.session.view_jobs->idle() && !view->busy();
  }
  throw Error("unknown wait '" + what + "' (idle, sampler, model, interpolation, reconstruction, image, browser, job, prompt, stuck, file, frames, view, input)");
}

bool ScriptRunner::run_action(Explorer& ex, const nlohmann::json& a) {
  const std::string what = a["do"].get<std::string>();
  if (what == "wait") {
    if (!waiting_) {
      waiting_ = true;
      wait_frames_ = 0;
      wait_start_ = std::chrono::steady_clock::now();
      // Give freshly posted requests one frame to reach the worker.
      return false;
    }
    if (waiting_done(ex, a)) return true;
    const double timeout = json_get(a, "timeout_s", 300.0);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start_).count() > timeout)
      throw Error("timed out after " + std::to_string(int(timeout)) + " s (worker: " +
                  (ex.session.pub.activity.empty() ? std::string("idle") : ex.session.pub.activity) + ")");
    return false;
  }
  const Published& p = ex.session.pub;
  before_model_ = p.model ? p.model->id : 0;
  before_image_ = p.image ? p.image->id : 0;
  before_errors_ = ex.log.errors.size();
  if (what == "set") set_control(ex, a.at("control").get<std::string>(), a.at("value"));
  else if (what == "press") press(ex, a.at("button").get<std::string>());
  else if (what == "drop_file") drop_files(ex, a.contains("paths") ? a.at("paths").get<std::vector<std::string>>()
                                         : std::vector<std::string>{a.at("path").get<std::string>()});
  else if (what == "stop_job") {
    // The x of the first listed job of this kind (as a click on it would).
    const std::string kind = a.at("kind").get<std::string>();
    const auto it = std::find_if(p.jobs.begin(), p.jobs.end(), [&](const JobStatus& j) { return j.kind == kind; });
    if (it == p.jobs.end()) throw Error("stop_job: no job of kind '" + kind + "' in the job list");
    ex.views.cancel_job(ex.session, it->id);
  } else if (what == "browse") {
    const std::string f = json_get(a, "for", "model");
    if (f != "model" && f != "image") throw Error("browse: \"for\" must be model or image");
    press(ex, f == "model" ? "browse_model" : "browse_image");
    if (a.contains("dir")) ex.browser.navigate(a["dir"].get<std::string>());
  } else if (what == "browse_pick") {
    if (!ex.browser.is_open()) throw Error("browse_pick: the file chooser is not open");
    browser_pick(ex.browser, ex.config, a.at("name").get<std::string>());
  } else if (what == "key") {
    const std::string k = a.at("key").get<std::string>();
    if (k == "space") press(ex, "toggle_play");
    else if (k == "left") press(ex, "step_back");
    else if (k == "right") press(ex, "step_forward");
    else if (k == "r") press(ex, "rerun");
    else if (k == "ctrl+o") browse_model(ex);
    else throw Error("unknown key '" + k + "' (space, left, right, r, ctrl+o)");
  } else if (what == "screenshot") ex.request_screenshot(a.at("path").get<std::string>());
  else if (what == "dump_state") {
    const std::string path = a.at("path").get<std::string>();
    write_file_atomic(path, [&](std::ostream& out) { out << explorer_state(ex).dump(2) << "\n"; });
  } else {
    // A view's own action (click_chain, stroke).
    ViewContext ctx = view_context(ex);
    for (const auto& v : ex.views.views())
      if (v->script_action(ctx, a)) return true;
    throw Error("unknown action '" + what + "'");
  }
  return true;
}

}  // namespace shortrun::explorer

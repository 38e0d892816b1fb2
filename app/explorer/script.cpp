// ScriptRunner and the name -> control / button tables the script uses.
#include "script.h"


#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "explorer.h"
#include "file_browser.h"
#include "recon_inputs.h"
#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_util.h"

namespace shortrun::explorer {

namespace {
// The view that lists `name` among its controls (or buttons), or null.
View* view_with(Explorer& ex, const std::string& name, std::vector<std::string> (View::*names)() const) {
  for (auto& v : ex.view_tabs) {
    const std::vector<std::string> list = (v.get()->*names)();
    if (std::find(list.begin(), list.end(), name) != list.end()) return v.get();
  }
  return nullptr;
}

template <typename T>
T clamped(const nlohmann::json& v, T lo, T hi) {
  return std::clamp(v.get<T>(), lo, hi);
}
}  // namespace

std::vector<std::string> ScriptRunner::controls() {
  return {"steps", "step_size", "noise_std", "seed", "chains", "init", "clamp", "mala", "temperature", "precision", "step", "playing", "loop",
          "speed", "selected", "residual_range", "residual_auto", "nearest", "tab", "seed_a", "chain_a", "seed_b",
          "chain_b", "rho", "path", "noise_mode", "points", "brush_radius", "brush_value", "erase", "paint_mask",
          "recon_iters", "recon_lr", "recon_chain", "threads", "export_folder", "video", "export_selected_only",
          "help", "sidebar_width", "sidebar_collapsed", "inspector_zoom", "diff_pinned", "pin_step", "export_upscale", "mask_p",
          "model_path", "image_path", "browser_all_files", "chain_rate_for_test"};
}

std::vector<std::string> ScriptRunner::buttons() {
  return {"rerun", "play", "pause", "step_forward", "step_back", "reset_defaults", "random_endpoints", "clear",
          "clear_mask", "undo", "reconstruct", "stop_reconstruction", "show_chain", "export_grid", "export_window",
          "export_chain", "confirm_run", "decline_run", "stop_all", "stop_first_job", "abandon_worker",
          "stuck_job_for_test", "busy_job_for_test", "export_strip", "export_triptych", "mask_center", "mask_left", "mask_random",
          "load_model", "open_image", "browse_model", "browse_image", "browser_up", "browser_home", "browser_use_folder",
          "browser_cancel"};
}

void set_control(Explorer& ex, const std::string& name, const nlohmann::json& v) {
  SamplerSettings& s = ex.sampler;
  InterpUi& in = ex.interp;
  if (name == "steps") s.steps = clamped(v, 0, 100000);
  // Any finite value, as a typed entry allows (1e38 makes chains diverge: that is reported).
  else if (name == "step_size") s.step_size = clamped(v, 0.0f, 3.0e38f);
  else if (name == "noise_std") s.noise_std = clamped(v, 0.0f, 3.0e38f);
  else if (name == "seed") s.seed = v.get<int>();
  else if (name == "chains") s.chains = clamped(v, 1, 256);
  else if (name == "init") {
    const std::string init = v.get<std::string>();
    if (init != "uniform" && init != "gaussian") throw Error("init must be uniform or gaussian");
    s.init = init;
  } else if (name == "clamp") s.clamp = v.get<bool>();
  else if (name == "mala") ex.set_mala(v.get<bool>());  // as the checkbox: MALA runs unclamped
  else if (name == "temperature") s.temperature = clamped(v, 1e-4f, 1e4f);
  else if (name == "precision") {
    const std::string p = v.get<std::string>();
    if (p != "exact" && p != "tf32" && p != "bf16") throw Error("precision must be exact, tf32 or bf16");
    s.precision = p;
  }
  else if (name == "step") ex.set_step(v.get<int>());
  else if (name == "playing") ex.chains.playing = v.get<bool>();
  else if (name == "loop") ex.chains.loop = v.get<bool>();
  else if (name == "speed") ex.chains.speed = clamped(v, 0.5f, 500.0f);
  else if (name == "selected") ex.select_chain(v.get<int>());
  else if (name == "residual_range") ex.chains.residual_range = clamped(v, 1e-6f, 10.0f), ex.chains.residual_auto = false;
  else if (name == "residual_auto") ex.chains.residual_auto = v.get<bool>();
  else if (name == "nearest") ex.chains.nearest = v.get<bool>();
  else if (name == "tab") {
    const std::string t = v.get<std::string>();
    if (!ex.show_tab(t)) throw Error("unknown tab '" + t + "'");
  } else if (name == "seed_a") in.seed_a = v.get<int>(), in.dirty_live = in.dirty_strip = true;
  else if (name == "chain_a") in.chain_a = clamped(v, 0, 1 << 20), in.dirty_live = in.dirty_strip = true;
  else if (name == "seed_b") in.seed_b = v.get<int>(), in.dirty_live = in.dirty_strip = true;
  else if (name == "chain_b") in.chain_b = clamped(v, 0, 1 << 20), in.dirty_live = in.dirty_strip = true;
  else if (name == "rho") in.rho = clamped(v, 0.0f, 1.0f), in.dirty_live = true;
  else if (name == "path") {
    const std::string p = v.get<std::string>();
    if (p != "linear" && p != "spherical") throw Error("path must be linear or spherical");
    in.path = p == "linear" ? 0 : 1;
    in.dirty_live = in.dirty_strip = true;
  } else if (name == "noise_mode") {
    const std::string m = v.get<std::string>();
    if (m != "fixed" && m != "mixed" && m != "off") throw Error("noise_mode must be fixed, mixed or off");
    in.noise = m == "fixed" ? 0 : m == "mixed" ? 1 : 2;
    in.dirty_live = in.dirty_strip = true;
  } else if (name == "points") in.points = clamped(v, 2, 32), in.dirty_strip = true;
  else if (name == "brush_radius") ex.recon.brush.radius = clamped(v, 0.5f, 16.0f);
  else if (name == "brush_value") ex.recon.brush.value = clamped(v, -1.0f, 1.0f);
  else if (name == "erase") ex.recon.brush.erase = v.get<bool>();
  else if (name == "paint_mask") ex.recon.brush.mask = v.get<bool>();
  else if (name == "recon_iters") ex.recon.iters = clamped(v, 1, 5000);
  else if (name == "recon_lr") ex.recon.lr = clamped(v, 1e-5f, 1.0f);
  else if (name == "recon_chain") ex.recon.chain = clamped(v, 0, 1 << 20);
  else if (name == "threads") ex.threads_field = clamped(v, 1, 256), ex.worker->set_threads(ex.threads_field);
  else if (name == "export_folder") std::snprintf(ex.exporter.folder, sizeof(ex.exporter.folder), "%s", v.get<std::string>().c_str());
  else if (name == "video") {
    const std::string m = v.get<std::string>();
    if (m != "none" && m != "gif" && m != "mp4") throw Error("video must be none, gif or mp4");
    ex.exporter.video = m == "none" ? 0 : m == "gif" ? 1 : 2;
  } else if (name == "export_selected_only") ex.exporter.selected_only = v.get<bool>();
  else if (name == "help") ex.show_help = v.get<bool>();
  else if (name == "sidebar_width") ex.sidebar_width = clamped(v, 220.0f, 2000.0f), ex.sidebar_dragged = true;
  else if (name == "sidebar_collapsed") ex.sidebar_collapsed = v.get<bool>();
  else if (name == "inspector_zoom") ex.chains.inspector.image_view.zoom = ex.chains.inspector.heat_view.zoom = clamped(v, 1.0f, 32.0f);
  else if (name == "diff_pinned") ex.chains.inspector.against_pinned = v.get<bool>();
  else if (name == "pin_step") ex.chains.inspector.pinned_step = clamped(v, 0, 1 << 30);
  else if (name == "export_upscale") ex.exporter.upscale = clamped(v, 1, 16);
  else if (name == "mask_p") ex.recon.mask_p = clamped(v, 0.0f, 0.95f);
  else if (name == "model_path") std::snprintf(ex.model_path_field, sizeof(ex.model_path_field), "%s", v.get<std::string>().c_str());
  else if (name == "image_path") std::snprintf(ex.recon.image_path, sizeof(ex.recon.image_path), "%s", v.get<std::string>().c_str());
  else if (name == "browser_all_files") ex.browser.show_all = v.get<bool>();
  // As if the loaded model's chains had been measured at this many chain-steps/s (a slow machine, on demand).
  else if (name == "chain_rate_for_test") ex.session.costs.set_measured_for_test(clamped(v, 1e-3, 1e9));
  else if (View* view = view_with(ex, name, &View::controls)) {
    ViewContext ctx = ex.view_context();
    view->set_control(ctx, name, v);
  } else throw Error("unknown control '" + name + "'");
}

void press_button(Explorer& ex, const std::string& name) {
  if (name == "rerun") ex.rerun();
  else if (name == "play") ex.chains.playing = false, ex.toggle_play();
  else if (name == "pause") ex.chains.playing = false;
  else if (name == "step_forward") ex.step_by(1);
  else if (name == "step_back") ex.step_by(-1);
  else if (name == "reset_defaults") ex.reset_sampler_defaults();
  else if (name == "random_endpoints") ex.random_endpoints();
  else if (name == "clear") ex.canvas.clear();
  else if (name == "clear_mask") ex.canvas.clear_mask();
  else if (name == "undo") ex.canvas.undo();
  else if (name == "reconstruct") ex.start_reconstruction();
  else if (name == "stop_reconstruction") ex.worker->cancel_reconstruction();
  else if (name == "show_chain") ex.show_reconstruction_chain();
  else if (name == "export_grid") ex.export_grid_png();
  else if (name == "export_window") ex.export_window_png();
  else if (name == "export_chain") ex.export_chain_frames();
  else if (name == "confirm_run") ex.session.job_prompt.open ? ex.session.confirm_job() : ex.session.confirm_costly_run();
  else if (name == "decline_run") {
    if (ex.session.job_prompt.open) ex.status_message = ex.session.decline_job();
    else ex.decline_costly_run();
  }
  else if (name == "stop_all") ex.cancel_all_jobs();
  else if (name == "abandon_worker") ex.abandon_worker();
  else if (name == "stuck_job_for_test") {
    // Stands in for a module whose forward never returns: ignores its stop until the process ends.
    ex.worker->post_for_test("stuck job (test)", [](const std::atomic<bool>&) {
      while (true) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    });
  } else if (name == "busy_job_for_test") {
    // A job that runs until it is stopped (a long run, on demand and without timing luck).
    ex.worker->post_for_test("busy job (test)", [](const std::atomic<bool>& cancel) {
      while (!cancel.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    });
  } else if (name == "stop_first_job") {
    if (!ex.pub.jobs.empty()) ex.cancel_job(ex.pub.jobs.front().id);
  }
  else if (name == "export_strip") ex.export_strip_png();
  else if (name == "export_triptych") ex.export_triptych_png();
  else if (name == "mask_center") apply_mask_preset(ex, "center");
  else if (name == "mask_left") apply_mask_preset(ex, "left");
  else if (name == "mask_random") apply_mask_preset(ex, "random");
  else if (name == "load_model") load_model_field(ex);
  else if (name == "open_image") load_image_field(ex);
  else if (name == "browse_model") open_file_browser(ex, BrowseFor::kModel);
  else if (name == "browse_image") open_file_browser(ex, BrowseFor::kImage);
  else if (name == "browser_up") browser_pick(ex, "..");
  else if (name == "browser_home") ex.browser.navigate(std::getenv("HOME") ? std::getenv("HOME") : "/");
  else if (name == "browser_use_folder") browser_use_folder(ex);
  else if (name == "browser_cancel") ex.browser.close();
  else if (View* view = view_with(ex, name, &View::buttons)) {
    ViewContext ctx = ex.view_context();
    view->press(ctx, name);
  } else throw Error("unknown button '" + name + "'");
}

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
  const Published& p = ex.pub;
  // Requests the UI has not handed to the worker yet count as pending work.
  const bool ui_pending = ex.interp.dirty_live || ex.interp.dirty_strip || (ex.pub.model && ex.sampler != ex.requested_sampler);
  const bool idle = ex.session.idle() && !(ui_pending && ex.tab == Tab::kInterpolation) && ex.sampler == ex.requested_sampler;
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
    return idle && ((ex.pub.model ? ex.pub.model->id : 0) != before_model_ || ex.errors.size() != before_errors_);
  if (what == "sampler") return idle && p.chains && p.chains->finished.load();
  if (what == "interpolation") return idle && p.interp_live && p.interp_strip && !ex.interp.dirty_live && !ex.interp.dirty_strip;
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
  if (what == "image") return idle && ((p.image && p.image->id != before_image_) || ex.errors.size() != before_errors_);
  if (what == "browser") return ex.browser.listing_done();
  // Every real input event received so far handed to ImGui (one key change a frame: a typed path
  // takes a frame a character).
  if (what == "input") return !ex.input_pending();
  // A view's work (its jobs and whatever it waits on) is done.
  if (what == "view") {
    View* view = ex.find_view(a.at("view").get<std::string>());
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
                  (ex.pub.activity.empty() ? std::string("idle") : ex.pub.activity) + ")");
    return false;
  }
  before_model_ = ex.pub.model ? ex.pub.model->id : 0;
  before_image_ = ex.pub.image ? ex.pub.image->id : 0;
  before_errors_ = ex.errors.size();
  if (what == "set") set_control(ex, a.at("control").get<std::string>(), a.at("value"));
  else if (what == "press") press_button(ex, a.at("button").get<std::string>());
  else if (what == "click_chain") {
    const int i = a.at("index").get<int>();
    ex.select_chain(i);
    const std::string as = json_get(a, "as", "");
    if (as == "a" || as == "b") ex.set_endpoint(as[0], i);
  } else if (what == "drop_file") ex.drop_files(a.contains("paths") ? a.at("paths").get<std::vector<std::string>>()
                                     : std::vector<std::string>{a.at("path").get<std::string>()});
  else if (what == "stop_job") {
    // The x of the first listed job of this kind (as a click on it would).
    const std::string kind = a.at("kind").get<std::string>();
    const auto it = std::find_if(ex.pub.jobs.begin(), ex.pub.jobs.end(), [&](const JobStatus& j) { return j.kind == kind; });
    if (it == ex.pub.jobs.end()) throw Error("stop_job: no job of kind '" + kind + "' in the job list");
    ex.cancel_job(it->id);
  } else if (what == "browse") {
    const std::string f = json_get(a, "for", "model");
    if (f != "model" && f != "image") throw Error("browse: \"for\" must be model or image");
    open_file_browser(ex, f == "model" ? BrowseFor::kModel : BrowseFor::kImage);
    if (a.contains("dir")) ex.browser.navigate(a["dir"].get<std::string>());
  } else if (what == "browse_pick") {
    if (!ex.browser.is_open()) throw Error("browse_pick: the file chooser is not open");
    browser_pick(ex, a.at("name").get<std::string>());
  }
  else if (what == "stroke") {
    Brush b = ex.recon.brush;
    b.radius = json_get(a, "radius", b.radius);
    b.value = json_get(a, "value", b.value);
    b.mask = json_get(a, "mask", false);
    b.erase = json_get(a, "erase", false);
    ex.canvas.begin_stroke();
    for (const auto& p : a.at("points")) ex.canvas.stroke_to(p.at(0).get<float>(), p.at(1).get<float>(), b);
    ex.canvas.end_stroke();
  } else if (what == "key") {
    const std::string k = a.at("key").get<std::string>();
    if (k == "space") ex.toggle_play();
    else if (k == "left") ex.step_by(-1);
    else if (k == "right") ex.step_by(1);
    else if (k == "r") ex.rerun();
    else if (k == "ctrl+o") open_file_browser(ex, BrowseFor::kModel);
    else throw Error("unknown key '" + k + "' (space, left, right, r, ctrl+o)");
  } else if (what == "screenshot") ex.request_screenshot(a.at("path").get<std::string>());
  else if (what == "dump_state") {
    const std::string path = a.at("path").get<std::string>();
    write_file_atomic(path, [&](std::ostream& out) { out << ex.state().dump(2) << "\n"; });
  } else {
    throw Error("unknown action '" + what + "'");
  }
  return true;
}

}  // namespace shortrun::explorer

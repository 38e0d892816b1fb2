// The sidebar's sections: Model, Sampler, Export and the job list, each owning its state and its
// script names (ScriptTarget), drawn with a ViewContext like the views; and the costly-run prompt.
// The shell owns one of each and lays them out (shell/explorer.cpp).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "views/view.h"

namespace shortrun::explorer {

// The loaded checkpoint's card, loading (path field, Browse, recent files), device and threads.
class ModelPanel : public ScriptTarget {
 public:
  void draw(ViewContext& ctx);
  // A new model (ModelInfo id): the path field and thread count show it, the last error goes.
  void model_loaded(const ModelInfo& m);
  std::vector<std::string> controls() const override { return {"model_path", "threads", "weights", "parallel"}; }
  std::vector<std::string> buttons() const override { return {"load_model", "reset_defaults"}; }
  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& value) override;
  void press(ViewContext& ctx, const std::string& button) override;
  const char* typed_path() const { return path_field_; }
  // How the sampler would spend the panel's torch threads on the Sampler panel's chains of this
  // model (the CLI's `--parallel`; pure arithmetic, no torch).
  ParallelPlan thread_plan(const ModelInfo& m, int chains) const;
  std::string error;  // the last load error (shown in the panel, and in state dumps as model_error)

 private:
  void load_field(ViewContext& ctx);  // Load / Enter: an image there is an error for this field
  // raw | ema: the loaded checkpoint's own or EMA weights (loaded by the worker; the sampler stays).
  void choose_weights(ViewContext& ctx, const std::string& which);
  void draw_weights(ViewContext& ctx, const ModelInfo& m);
  void draw_threads(ViewContext& ctx);
  char path_field_[1024] = "";
  int threads_ = 1;
};

// K, step size, noise, seed, chain count, init, clamping, MALA, precision: any change re-runs
// the chains (the shell posts it through Session::request_run_if_changed).
class SamplerPanel : public ScriptTarget {
 public:
  void draw(ViewContext& ctx);
  std::vector<std::string> controls() const override {
    return {"steps", "step_size", "noise_std", "seed", "chains", "init", "clamp", "mala", "temperature", "precision"};
  }
  std::vector<std::string> buttons() const override { return {"rerun"}; }
  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& value) override;
  void press(ViewContext& ctx, const std::string& button) override;

 private:
  // MALA on turns clamping off (a clamped proposal has no density); off again, the clamp comes
  // back as it was, and the status line says what happened to it either way.
  void set_mala(ViewContext& ctx, bool on);
  bool clamp_before_mala_ = false;
};

// Where exports go and how (ExportSettings, which every tab's exports follow), and the export
// buttons of the tabs (they press the tabs' own buttons).
class ExportPanel : public ScriptTarget {
 public:
  ExportPanel();  // looks for ffmpeg (video exports)
  void draw(ViewContext& ctx);
  const ExportSettings& settings() const { return settings_; }
  std::vector<std::string> controls() const override {
    return {"export_folder", "video", "export_selected_only", "export_upscale"};
  }
  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& value) override;

 private:
  ExportSettings settings_;
  char folder_[1024] = "shortrun_export";
  bool ffmpeg_ = false;
};

// Every job with its state, progress, ETA and a stop button, in a fixed room at the sidebar's
// bottom; the buttons of the costly-run prompt and the test jobs.
class JobsPanel : public ScriptTarget {
 public:
  void draw(ViewContext& ctx);
  static float height();  // a heading and two jobs; more scroll inside it
  std::vector<std::string> buttons() const override {
    return {"stop_all", "stop_first_job", "confirm_run", "decline_run", "stuck_job_for_test", "busy_job_for_test"};
  }
  void press(ViewContext& ctx, const std::string& button) override;
};

// The costly-run prompts (a chains run, or another job priced over the line) while one is open.
void draw_cost_prompt(ViewContext& ctx);

}  // namespace shortrun::explorer

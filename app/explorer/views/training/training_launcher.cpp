// The Training tab's "Start a run" section (training_launcher.h): the settings of `shortrun
// train` as fields, the command they make, and the trainer's controls and progress.
#include "views/training/training_launcher.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "display/image_export.h"
#include "shortrun/base/error.h"
#include "shortrun/training/presets.h"
#include "views/view.h"
#include "widgets/disabled_why.h"
#include "widgets/view_widgets.h"

namespace shortrun::explorer {

namespace {
std::string clock_text(double s) {
  if (!(s > 0) || !std::isfinite(s)) return "-";
  const long t = long(s + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}
}  // namespace

TrainingLauncher::TrainingLauncher() { sync_fields_from_request(); }

std::vector<std::string> TrainingLauncher::controls() {
  return {"train_data", "train_limit", "train_out", "train_iters", "train_steps", "train_step_size", "train_nf",
          "train_lr", "train_lr_schedule", "train_log_every", "train_sample_every", "train_checkpoint_every",
          "train_eval_every", "train_preset", "train_init", "train_buffer", "train_reinit", "train_ema",
          "train_long_run_every"};
}

std::vector<std::string> TrainingLauncher::buttons() { return {"train_pause", "train_resume", "train_stop"}; }

void TrainingLauncher::sync_fields_from_request() {
  std::snprintf(data_, sizeof data_, "%s", request_.data.c_str());
  std::snprintf(out_, sizeof out_, "%s", request_.out.c_str());
  std::snprintf(schedule_, sizeof schedule_, "%s", request_.lr_schedule.c_str());
}

void TrainingLauncher::sync_request_from_fields() {
  request_.data = data_;
  request_.out = out_;
  request_.lr_schedule = schedule_;
}

bool TrainingLauncher::set_control(const std::string& name, const nlohmann::json& v) {
  const auto count = [&](int64_t lo) {
    const int64_t n = v.get<int64_t>();
    if (n < lo) throw Error(name + " must be at least " + std::to_string(lo));
    return n;
  };
  const auto positive = [&] {
    const double x = v.get<double>();
    if (!(x > 0) || !std::isfinite(x)) throw Error(name + " must be a positive number");
    return x;
  };
  const auto text = [&](char* field, size_t size) { std::snprintf(field, size, "%s", v.get<std::string>().c_str()); };
  if (name == "train_data") text(data_, sizeof data_);
  else if (name == "train_limit") request_.limit = count(0);
  else if (name == "train_out") text(out_, sizeof out_);
  else if (name == "train_iters") request_.iters = count(1);
  else if (name == "train_steps") request_.steps = count(1);
  else if (name == "train_step_size") request_.step_size = positive();
  else if (name == "train_nf") request_.nf = count(1);
  else if (name == "train_lr") request_.lr = positive();
  else if (name == "train_lr_schedule") text(schedule_, sizeof schedule_);
  else if (name == "train_log_every") request_.log_every = count(1);
  else if (name == "train_sample_every") request_.sample_every = count(1);
  else if (name == "train_checkpoint_every") request_.checkpoint_every = count(1);
  else if (name == "train_eval_every") request_.eval_every = count(0);
  else if (name == "train_preset") choose_preset(v.get<std::string>());
  else if (name == "train_init") {
    const std::string init = v.get<std::string>();
    if (init != "uniform" && init != "gaussian" && init != "data" && init != "persistent")
      throw Error("train_init must be uniform, gaussian, data or persistent, got '" + init + "'");
    request_.init = init;
  } else if (name == "train_buffer") request_.buffer = count(1);
  else if (name == "train_reinit") {
    const double p = v.get<double>();
    if (!(p >= 0 && p <= 1)) throw Error("train_reinit must be in 0..1");
    request_.reinit = p;
  } else if (name == "train_ema") {
    const double d = v.get<double>();
    if (!(d == 0 || (d > 0 && d < 1))) throw Error("train_ema must be 0 (none) or a decay in (0, 1)");
    request_.ema = d;
  } else if (name == "train_long_run_every") request_.long_run_every = count(0);
  else return false;
  sync_request_from_fields();
  return true;
}

void TrainingLauncher::choose_preset(const std::string& name) {
  if (name.empty()) {
    request_.preset.clear();
    return;
  }
  const TrainingPreset& p = find_training_preset(name);  // throws for an unknown name
  request_.preset = p.name;
  for (const PresetSetting& s : p.settings) {
    const double v = std::atof(s.value.c_str());
    if (s.flag == "--steps") request_.steps = int64_t(v);
    else if (s.flag == "--step-size") request_.step_size = v;
    else if (s.flag == "--noise") request_.noise = v;
    else if (s.flag == "--nf") request_.nf = int64_t(v);
    else if (s.flag == "--lr") request_.lr = v;
    else if (s.flag == "--batch") request_.batch = int64_t(v);
    else if (s.flag == "--init") request_.init = s.value;
    else if (s.flag == "--buffer") request_.buffer = int64_t(v);
    else if (s.flag == "--reinit") request_.reinit = v;
    else if (s.flag == "--ema") request_.ema = v;
    // The others (--arch, --leak, --activation, --data-noise, --energy-l2) have no field: the preset sets them.
  }
}

bool TrainingLauncher::press(const std::string& button) {
  if (button == "train_pause") runner_.pause();
  else if (button == "train_resume") runner_.resume(), resumed_ = true;
  else if (button == "train_stop") runner_.stop();
  else return false;
  return true;
}

std::string TrainingLauncher::start(const std::string& export_folder) {
  if (out_[0] == 0) {
    const std::string dir = export_path((std::filesystem::path(export_folder) / "runs").string(), "explorer-run", "");
    std::snprintf(out_, sizeof out_, "%s", dir.c_str());
  } else {
    std::snprintf(out_, sizeof out_, "%s", absolute_folder(out_).c_str());
  }
  sync_request_from_fields();
  return runner_.start(request_);
}

bool TrainingLauncher::settling() const {
  const TrainingState s = runner_.status().state;
  return s == TrainingState::kStarting || s == TrainingState::kPausing || s == TrainingState::kStopping;
}

// While a thread holds the run (paused included: its x ends the run as Stop does, resumable).
std::vector<JobStatus> TrainingLauncher::jobs() const {
  const TrainingStatus t = runner_.status();
  if (!runner_.active()) return {};
  JobStatus j;
  j.id = 1;
  j.kind = "train";
  j.state = t.state == TrainingState::kPaused ? "paused" : "running";
  j.unit = "iteration";
  j.done = t.iteration;
  j.total = t.iters;
  j.eta_s = t.state == TrainingState::kRunning && t.its_per_s > 0 ? t.eta_s : -1;
  j.label = "training " + t.out_dir;
  switch (t.state) {
    case TrainingState::kStarting: j.label += " (reading the data)", j.total = 0; break;
    case TrainingState::kPausing: j.label += " (pausing after this iteration)"; break;
    case TrainingState::kPaused: j.label += " (paused: Resume in the Training tab)"; break;
    case TrainingState::kStopping: j.label += " (stopping: saving its checkpoint)"; break;
    default: break;
  }
  return {j};
}

nlohmann::json TrainingLauncher::state() const {
  const TrainingStatus t = runner_.status();
  return {{"state", training_state_name(t.state)}, {"iteration", t.iteration}, {"iters", t.iters},
          {"its_per_s", t.its_per_s}, {"eta_s", t.eta_s}, {"out", t.out_dir}, {"message", t.message},
          {"command", request_.cli_command()}};
}

bool TrainingLauncher::draw() {

  if (!ImGui::CollapsingHeader("Start a run", ImGuiTreeNodeFlags_DefaultOpen)) return false;
  bool start = false;
  const bool editable = !runner_.active();
  std::optional<DisabledWhy> settings_off;
  settings_off.emplace(!editable, "a run is going: its settings are fixed (stop it to start another)");
  const float w = std::max(60.0f, ImGui::GetContentRegionAvail().x * 0.5f - 4);
  ImGui::PushItemWidth(w);
  if (ImGui::BeginCombo("preset##train", request_.preset.empty() ? "(none)" : request_.preset.c_str())) {
    if (ImGui::Selectable("(none)", request_.preset.empty())) choose_preset("");
    for (const TrainingPreset& p : training_presets()) {
      if (ImGui::Selectable(p.name.c_str(), request_.preset == p.name)) choose_preset(p.name);
      tip(p.summary.c_str());
    }
    ImGui::EndCombo();
  }
  tip("fill the fields from a published configuration (--preset; sources in the README); a field changed afterwards wins");
  ImGui::InputText("data##train", data_, sizeof data_);
  tip("fashion-mnist | idx:PATH | cifar10:DIR | folder:DIR (shortrun train --data)");
  const auto int_field = [](const char* label, int64_t& v, int64_t lo, const char* help) {
    int x = int(v);
    if (ImGui::InputInt(label, &x, 0, 0)) v = std::max<int64_t>(lo, x);
    tip(help);
  };
  int_field("limit##train", request_.limit, 0, "use only the first N images (0: all); small for a quick demo (--limit)");
  ImGui::InputTextWithHint("out dir##train", "empty: export folder/runs/explorer-run_<time>", out_, sizeof out_);
  tip("the new run directory (must not hold another run) (--out); empty: a new runs/explorer-run_<date>-<time> folder "
      "in the sidebar's export folder");
  int_field("iters##train", request_.iters, 1, "training iterations (--iters)");
  int_field("K##train", request_.steps, 1, "Langevin steps per chain (--steps)");
  double step = request_.step_size;
  if (ImGui::InputDouble("step size##train", &step, 0, 0, "%.4g") && step > 0) request_.step_size = step;
  tip("Langevin step size (--step-size)");
  int_field("n_f##train", request_.nf, 1, "base width of the convnet (--nf)");
  double lr = request_.lr;
  if (ImGui::InputDouble("lr##train", &lr, 0, 0, "%.3g") && lr > 0) request_.lr = lr;
  tip("Adam learning rate (--lr)");
  ImGui::InputText("lr schedule##train", schedule_, sizeof schedule_);
  tip("constant | cosine | step:ITER:FACTOR (--lr-schedule; fixed for the run)");
  int_field("log every##train", request_.log_every, 1, "iterations between metrics lines (--log-every)");
  int_field("sample every##train", request_.sample_every, 1, "iterations between sample grids (--sample-every)");
  int_field("ckpt every##train", request_.checkpoint_every, 1, "iterations between checkpoints (--checkpoint-every)");
  int_field("eval every##train", request_.eval_every, 0, "iterations between FD evaluations, 0: none (--eval-every; Fashion-MNIST only)");
  // Chain starts, EMA and long-run checks (issue 25).
  static const char* const kInits[] = {"uniform", "gaussian", "data", "persistent"};
  if (ImGui::BeginCombo("init##train", request_.init.c_str())) {
    for (const char* name : kInits)
      if (ImGui::Selectable(name, request_.init == name)) request_.init = name;
    ImGui::EndCombo();
  }
  tip("where each iteration's chains start (--init): uniform U(-1,1) (the paper's), gaussian, data (noisy data batch, as "
      "in contrastive divergence) or persistent (a replay buffer)");
  {
    DisabledWhy off(editable && request_.init != "persistent", "only --init persistent keeps a replay buffer");
    int_field("buffer##train", request_.buffer, 1, "chains in the replay buffer (--buffer; --init persistent)");
    double p = request_.reinit;
    if (ImGui::InputDouble("reinit##train", &p, 0, 0, "%.3g") && p >= 0 && p <= 1) request_.reinit = p;
    tip("fraction of drawn buffer chains re-initialised from U(-1,1) each iteration (--reinit, 0..1)");
  }
  double ema = request_.ema;
  if (ImGui::InputDouble("ema##train", &ema, 0, 0, "%.4g") && (ema == 0 || (ema > 0 && ema < 1))) request_.ema = ema;
  tip("decay of the EMA weights kept beside every checkpoint, e.g. 0.999 (--ema; 0: none)");
  int_field("long run every##train", request_.long_run_every, 0,
            "every N iterations continue a few chains to K2 steps and log energy drift and saturation (--long-run-every; 0: never)");
  ImGui::PopItemWidth();
  settings_off.reset();

  const TrainingState s = status_.state;
  {
    DisabledWhy off(!editable, "a run is already going (Stop it first)");
    if (ImGui::Button("Start")) start = true;
    tip("train with these settings in the background (the CLI's trainer) and follow the run here");
  }
  ImGui::SameLine();
  if (s == TrainingState::kPaused || s == TrainingState::kStopped) {
    if (ImGui::Button("Resume")) runner_.resume(), resumed_ = true;
    tip("continue from the checkpoint, exactly as `shortrun train --resume` would");
  } else {
    DisabledWhy off(s != TrainingState::kRunning && s != TrainingState::kStarting, "no run is going");
    if (ImGui::Button("Pause")) runner_.pause();
    tip("pause after the current iteration; a checkpoint is saved and the CPU is free until Resume");
  }
  ImGui::SameLine();
  {
    DisabledWhy off(!runner_.active(), "no run is going");
    if (ImGui::Button("Stop")) runner_.stop();
    tip("stop cleanly, as Ctrl+C stops the CLI: the last finished iteration is saved and the run stays resumable");
  }

  if (s != TrainingState::kIdle) {
    const float fraction = status_.iters > 0 ? float(double(status_.iteration) / double(status_.iters)) : 0.0f;
    char overlay[160];
    // Only a running trainer has a rate and an ETA; paused or stopped, it says so instead.
    if (s == TrainingState::kRunning)
      std::snprintf(overlay, sizeof overlay, "%s %lld/%lld  %.2f it/s  ETA %s", training_state_name(s),
                    static_cast<long long>(status_.iteration), static_cast<long long>(status_.iters), status_.its_per_s,
                    clock_text(status_.eta_s).c_str());
    else
      std::snprintf(overlay, sizeof overlay, "%s %lld/%lld", training_state_name(s), static_cast<long long>(status_.iteration),
                    static_cast<long long>(status_.iters));
    ImGui::ProgressBar(fraction, ImVec2(-1, 0), overlay);
    if (!status_.message.empty()) ImGui::TextWrapped("%s", status_.message.c_str());
  }
  sync_request_from_fields();
  cli_line(request_.cli_command(), "copy the equivalent `shortrun train` command line");
  return start;
}

}  // namespace shortrun::explorer

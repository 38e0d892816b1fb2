// Chain exports: grids through core's image_io, videos through Debian's ffmpeg when present.
#include "worker/export_jobs.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

namespace {

// Frame k of a run as [N,C,H,W] (or one chain as [1,C,H,W]).
torch::Tensor frame_tensor(const ChainRun& run, int k, int selected) {
  const ImageShape& s = run.shape;
  torch::Tensor t = torch::from_blob(const_cast<float*>(run.frames[k].data()), {s.n, s.h, s.w, s.c}, torch::kFloat32)
                        .permute({0, 3, 1, 2})
                        .clone();
  if (selected >= 0) t = t.narrow(0, selected, 1);
  return t;
}

torch::Tensor grid_of(const torch::Tensor& batch) {
  if (batch.size(0) == 1) return batch[0];
  const int64_t cols = static_cast<int64_t>(std::ceil(std::sqrt(double(batch.size(0)))));
  return make_grid(batch, cols);
}

// Each pixel repeated `up` times in x and y (nearest neighbour), [C,H,W].
torch::Tensor magnified(const torch::Tensor& chw, int up) {
  return up <= 1 ? chw : chw.repeat_interleave(up, 1).repeat_interleave(up, 2);
}

void check_ready(const ExportRequest& r) {
  if (!r.run) throw Error("nothing to export: no chains have been sampled yet");
  if (r.path.empty()) throw Error("export needs a file or folder name");
}

void write_json(const std::string& path, const nlohmann::json& j) {
  write_file_atomic(path, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

bool ffmpeg_available() { return std::system("command -v ffmpeg >/dev/null 2>&1") == 0; }

nlohmann::json export_settings(const ExportRequest& r) {
  const SamplerSettings& s = r.run->settings;
  nlohmann::json j = settings_json(s);
  j["model"] = r.model_path;
  j["step"] = r.step;
  if (r.selected >= 0) j["chain"] = r.selected;
  j["custom_init"] = r.run->custom_init;
  j["upscale"] = r.upscale;
  std::ostringstream cmd;
  cmd << "shortrun sample --model " << shell_quote(r.model_path) << " --n " << s.chains << " --steps " << s.steps
      << " --step-size " << s.step_size << " --noise " << s.noise_std << " --seed " << s.seed
      << (s.clamp ? " --clamp" : " --no-clamp") << " --precision " << s.precision;
  // The chain start only when it is not what sample takes by itself (uniform, or the model's own).
  if (s.init != "uniform" || s.init != r.default_init) cmd << " --init " << s.init;
  cmd << r.weights_flag;
  if (s.mala) cmd << " --mala --temperature " << s.temperature;
  cmd << " --out grid.png";
  j["cli"] = cmd.str();
  j["note"] = r.run->custom_init ? "started from a z inferred by reconstruction; the CLI line does not reproduce that"
                                 : "the CLI grid is x_K; chain i is bit-identical to the explorer's chain i";
  return j;
}

std::string write_grid_png(const ExportRequest& r) {
  check_ready(r);
  if (r.step < 0 || r.step >= r.run->ready.load()) throw Error("step " + std::to_string(r.step) + " has not been sampled yet");
  write_png(r.path, magnified(grid_of(frame_tensor(*r.run, r.run->kept(r.step), -1)), r.upscale));
  write_json(r.path + ".json", export_settings(r));
  return "wrote " + r.path + " (step " + std::to_string(r.step) + ") and " + r.path + ".json";
}

std::string write_chain_frames(const ExportRequest& r, const std::atomic<bool>& cancel,
                               const std::function<void(int, int)>& progress) {
  check_ready(r);
  const int ready = r.run->ready.load();
  if (ready == 0) throw Error("nothing to export: the chain has no steps yet");
  std::error_code ec;
  fs::create_directories(r.path, ec);
  if (ec) throw file_error(r.path, "cannot create the export folder (" + ec.message() + ")");
  int written = 0;
  for (int k = 0; k < ready; ++k) {
    if (cancel.load()) throw Error("export cancelled");
    if (progress) progress(k, ready);
    if (r.run->kept(k) != k || r.run->frames[k].empty()) continue;  // a bounded trajectory keeps every stride-th image
    char name[32];
    std::snprintf(name, sizeof(name), "frame_%04d.png", written++);
    write_png((fs::path(r.path) / name).string(), magnified(grid_of(frame_tensor(*r.run, k, r.selected)), r.upscale));
  }
  nlohmann::json settings = export_settings(r);
  settings["frames"] = written;
  settings["frame_stride"] = r.run->stride;
  std::string video_note;
  if (!r.video.empty()) {
    if (!ffmpeg_available()) {
      video_note = "; no " + r.video + ": ffmpeg is not installed (apt-get install ffmpeg)";
    } else {
      const std::string out = (fs::path(r.path) / ("chain." + r.video)).string();
      const std::string in = shell_quote((fs::path(r.path) / "frame_%04d.png").string());
      // Nearest-neighbour to at least ×4 in all so small images stay crisp; GIF gets its own palette.
      const std::string f = std::to_string(std::max(1, 4 / std::max(1, r.upscale)));
      const std::string filter = r.video == "gif"
          ? "scale=iw*" + f + ":ih*" + f + ":flags=neighbor,split[a][b];[a]palettegen[p];[b][p]paletteuse"
          : "scale=trunc(iw*" + f + "/2)*2:trunc(ih*" + f + "/2)*2:flags=neighbor,format=yuv420p";
      const std::string cmd = "ffmpeg -y -loglevel error -framerate 12 -i " + in + " -vf \"" + filter + "\" " +
                              shell_quote(out) + " </dev/null >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) throw file_error(out, "ffmpeg failed to write the " + r.video);
      settings["video"] = out;
      video_note = " and " + out;
    }
  }
  write_json((fs::path(r.path) / "settings.json").string(), settings);
  return "wrote " + std::to_string(written) + " frames to " + r.path + video_note;
}

}  // namespace shortrun::explorer

// The OOD probe's view job and export: core's load_probe_images / probe_images /
// ood_probe_image, exactly as `shortrun score` calls them, with the images' chains kept.
#include "views/ood/ood_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <torch/torch.h>

#include "shortrun/analysis/ood_probe.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "worker/host_copy.h"
#include "worker/sampler_settings.h"
#include "worker/view_jobs.h"

namespace shortrun::explorer {

namespace {

constexpr int64_t kFrameBudgetBytes = int64_t(256) << 20;  // the images' chains, all frames together

// f over the model's own samples from the last probe, reused while the model (path, file time)
// and the reference config are the same: a second probe then costs only its images' chains.
// Touched on the view thread only.
struct SampleEnergyCache {
  std::string key;
  torch::Tensor energy;
};
SampleEnergyCache& sample_energy_cache() {
  static SampleEnergyCache cache;
  return cache;
}

std::string reference_key(const std::string& model_path, const EnergyModel& model, const OodProbeConfig& c) {
  std::error_code ec;
  const auto stamp = std::filesystem::last_write_time(model_path, ec).time_since_epoch().count();
  return model_path + "|" + std::to_string(reinterpret_cast<uintptr_t>(&model)) + "|" + std::to_string(stamp) + "|" +
         nlohmann::json(c.sampler).dump() + "|" + std::to_string(c.reference_n);
}

// What the export needs, in the tensors core drew the result from.
struct OodTensors {
  torch::Tensor images;
  OodProbeResult probe;
  OodProbeConfig config;
};

// The export's base name without ".png": --out of the command gets "<base>_images.png".
std::string images_png(const std::string& png) {
  const std::string base = png.size() > 4 && png.substr(png.size() - 4) == ".png" ? png.substr(0, png.size() - 4) : png;
  return base + "_images.png";
}

// Every image the arguments name, read one file at a time: one that cannot be read (or a folder
// that cannot be listed) is skipped with its reason, and the rest are scored. `kept` gets the
// files that were read (the export's command names exactly those).
ProbeImages load_what_reads(const std::vector<std::string>& args, const DataShape& shape, std::vector<std::string>* kept,
                            std::vector<std::string>* skipped) {
  std::vector<torch::Tensor> images;
  ProbeImages all;
  for (const std::string& arg : args) {
    std::vector<std::string> files;
    try {
      files = probe_image_files(arg);
    } catch (const std::exception& e) {
      skipped->push_back(arg + ": " + e.what());
      continue;
    }
    for (const std::string& f : files) {
      try {
        ProbeImages one = load_probe_images({f}, shape);
        images.push_back(one.images);
        all.names.insert(all.names.end(), one.names.begin(), one.names.end());
        all.notes.insert(all.notes.end(), one.notes.begin(), one.notes.end());
        kept->push_back(f);
      } catch (const std::exception& e) {
        const std::string what = e.what();
        skipped->push_back(what.rfind(f, 0) == 0 ? what : f + ": " + what);
      }
      if (int64_t(all.names.size()) > kMaxProbeImages)
        throw Error("OOD probe: more than " + std::to_string(kMaxProbeImages) + " images; expected at most that many");
    }
  }
  if (images.empty()) {
    std::string why = skipped->empty() ? "no images given" : "none of the inputs could be read";
    for (size_t i = 0; i < skipped->size() && i < 3; ++i) why += (i ? "; " : " (") + (*skipped)[i];
    throw Error(skipped->empty() ? why : why + ")");
  }
  all.images = torch::cat(images, 0);
  return all;
}

void run_probe(ViewJob& job, const OodRequest& req_in, ViewResultSlot<OodResult>& slot) {
  slot.start();
  const auto t0 = std::chrono::steady_clock::now();
  OodRequest req = req_in;
  EnergyModel& model = job.model(req.model_path);
  const DataShape shape = model.shape();
  std::vector<std::string> kept, skipped = req.skipped;
  ProbeImages loaded = load_what_reads(req.images, shape, &kept, &skipped);
  req.images = kept;  // what was scored: the export's command reproduces exactly that
  OodProbeConfig config;
  config.sampler = sampler_config(model, req.sampler);
  config.reference_n = req.reference_n;
  config.chains = true;
  config.validate();
  const Dataset data = load_probe_reference(req.data, shape, config.reference_n);

  auto out = std::make_shared<OodResult>();
  out->request = req;
  out->settings = config;
  out->names = loaded.names;
  out->notes = loaded.notes;
  out->skipped = skipped;
  out->shape = ImageShape{int(loaded.images.size(0)), int(shape.channels), int(shape.height), int(shape.width)};
  out->data_description = data.description;
  const int64_t k = config.sampler.steps;
  // Frames kept: at most max_frames, and at most kFrameBudgetBytes for all images together.
  const int64_t frame_bytes = loaded.images.numel() * int64_t(sizeof(float));
  const int64_t max_frames = std::clamp<int64_t>(kFrameBudgetBytes / std::max<int64_t>(1, frame_bytes), 2, req.max_frames);
  const int64_t stride = std::max<int64_t>(1, (k + max_frames - 2) / (max_frames - 1));
  const auto observe = [&](const StepInfo& s) {
    if (s.step < k && s.step % stride == 0) {
      out->frame_steps.push_back(int(s.step));
      out->frames.push_back(host_nhwc(s.x));
    }
  };
  const auto progress = [&](int64_t done, int64_t total) {
    job.progress(done, total);
    slot.done.store(done);
    slot.total.store(total);
  };
  auto tensors = std::make_shared<OodTensors>();
  tensors->images = loaded.images;
  tensors->config = config;
  SampleEnergyCache& cache = sample_energy_cache();
  const std::string key = reference_key(req.model_path, model, config);
  out->reused_samples = cache.key == key;
  tensors->probe = probe_images(model, loaded.images, data.images, config, progress, &job.cancel_flag(), observe,
                                out->reused_samples ? cache.energy : torch::Tensor());
  if (tensors->probe.cancelled) {
    slot.stopped();
    return;
  }
  cache.key = key;
  cache.energy = tensors->probe.sample_energy;
  const OodProbeResult& r = tensors->probe;
  out->frame_steps.push_back(int(k));  // x_K as the probe returns it (what the PNG shows)
  out->frames.push_back(host_nhwc(r.chain_x));
  out->energy = host_floats(r.energy);
  out->percentile_data = host_floats(r.percentile_data);
  out->percentile_samples = host_floats(r.percentile_samples);
  out->chain_energy = host_floats(r.chain_energy);
  out->data_energy = host_floats(r.data_energy);
  out->sample_energy = host_floats(r.sample_energy);
  out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out->core = tensors;
  slot.publish(out);
}

}  // namespace

uint64_t post_ood_probe(ViewJobs& jobs, const OodRequest& request, std::shared_ptr<ViewResultSlot<OodResult>> slot) {
  const std::string label = "OOD probe: " + std::to_string(request.images.size()) + " input(s), " +
                            std::to_string(request.reference_n) + " references";
  return jobs.post("ood", label, "chain-step", slot_job(slot, "OOD probe", [request](ViewJob& job, ViewResultSlot<OodResult>& s) {
    run_probe(job, request, s);
  }));
}

std::string ood_command(const OodResult& r, const std::string& png) {
  ScoreCommand c;
  c.model = r.request.model_path;
  c.images = r.request.images;
  c.data = r.request.data;
  c.probe = std::static_pointer_cast<const OodTensors>(r.core)->config;
  c.chains_png = png;
  c.out_png = images_png(png);
  return score_command(c);
}

uint64_t post_ood_export(ViewJobs& jobs, std::shared_ptr<const OodResult> r, const std::string& png,
                         std::shared_ptr<ViewResultSlot<ExportOutcome>> slot) {
  return jobs.post("ood_export", "OOD probe export", "", export_job(slot, "OOD export", [r, png] {
    const auto& t = *std::static_pointer_cast<const OodTensors>(r->core);
    write_png(png, ood_probe_image(t.images, t.probe));
    ExportOutcome o;
    o.png = png;
    o.json = png + ".json";
    o.command = ood_command(*r, png);
    nlohmann::json images = nlohmann::json::array();
    for (size_t i = 0; i < r->names.size(); ++i)
      images.push_back({{"image", r->names[i]},
                        {"energy", t.probe.energy[int64_t(i)].item<double>()},
                        {"percentile_data", t.probe.percentile_data[int64_t(i)].item<double>()},
                        {"percentile_samples", t.probe.percentile_samples[int64_t(i)].item<double>()},
                        {"chain_energy", t.probe.chain_energy[int64_t(i)].item<double>()}});
    const nlohmann::json j = {{"view", "ood"},
                              {"command", o.command},
                              {"model", r->request.model_path},
                              {"data", r->data_description},
                              {"settings", t.config},
                              {"images", images},
                              {"png", "the images on top, x_K of their chains under them (shortrun score --chains)"}};
    write_file_atomic(o.json, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
    o.line = "wrote " + png + " and " + o.json;
    return o;
  }));
}

}  // namespace shortrun::explorer

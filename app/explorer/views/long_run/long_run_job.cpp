// The long-run view's torch side (long_run_job.h): core run_long on the views' thread, its
// curves copied out step by step, and the export through the CLI's own image and command code.
#include "views/long_run/long_run_job.h"

#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "shortrun/analysis/long_run.h"
#include "shortrun/analysis/reproduce_command.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/model/energy_model.h"
#include "worker/host_copy.h"
#include "worker/jobs_text.h"
#include "worker/sampler_settings.h"
#include "worker/view_jobs.h"

namespace shortrun::explorer {

namespace {

void copy_row(std::vector<float>& dst, int64_t k, const torch::Tensor& v) {
  const torch::Tensor t = v.detach().reshape({-1}).to(torch::kCPU, torch::kFloat32).contiguous();
  std::copy(t.data_ptr<float>(), t.data_ptr<float>() + t.numel(), dst.begin() + k * t.numel());
}

LongRunConfig core_config(const LongRunData& d) {
  LongRunConfig c;
  c.sampler = d.config.get<SamplerConfig>();
  c.chains = d.shape.n;
  c.continue_to = d.M;
  c.max_frames = d.request.max_frames;
  return c;
}

int grid_cols(const LongRunData& d, const LongRunExport& e) {
  return e.cols > 0 ? e.cols : int(std::ceil(std::sqrt(double(d.shape.n))));
}

}  // namespace

nlohmann::json to_json(const LongRunRequest& r) {
  return {{"model", r.model},
          {"sampler", settings_json(r.sampler)},
          {"multiple", r.multiple},
          {"continue_to", r.total_steps()},
          {"max_frames", r.max_frames}};
}

std::vector<LongRunData::Frame> LongRunData::frames() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return frames_;
}

std::shared_ptr<const std::vector<float>> LongRunData::at_step(int step) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Frame& f : frames_)
    if (f.step == step) return f.x;
  return nullptr;
}

void LongRunData::add_frame(int step, std::vector<float> x) {
  auto shared = std::make_shared<const std::vector<float>>(std::move(x));
  std::lock_guard<std::mutex> lock(mutex_);
  frames_.push_back(Frame{step, std::move(shared)});
}

uint64_t post_long_run(ViewJobs& jobs, const LongRunRequest& request, uint64_t id,
                       std::shared_ptr<ViewResultSlot<LongRunData>> slot) {
  const std::string label = "long run: " + count_of(request.sampler.chains, "chain") + ", K=" +
                            std::to_string(request.sampler.steps) + " to " + std::to_string(request.total_steps());
  return jobs.post("long_run", label, "step", [request, id, slot](ViewJob& job) {
    slot->start();
    EnergyModel& model = job.model(request.model);
    auto d = std::make_shared<LongRunData>();
    d->id = id;
    d->request = request;
    LongRunConfig lr;
    lr.sampler = sampler_config(model.card().sampler, request.sampler);
    lr.chains = request.sampler.chains;
    lr.continue_to = request.total_steps();
    lr.max_frames = request.max_frames;
    lr.validate();  // a bad M or too many curve values: one clear line in the error list
    d->config = lr.sampler;
    d->K = int(lr.sampler.steps);
    d->M = int(lr.total_steps());
    const DataShape& ds = model.shape();
    d->shape = ImageShape{int(lr.chains), int(ds.channels), int(ds.height), int(ds.width)};
    d->device = model.device().is_cuda() ? "cuda" : "cpu";
    d->threads = torch::get_num_threads();
    const size_t values = size_t(d->M + 1) * size_t(d->shape.n);
    d->energy.assign(values, NAN);
    d->grad_norm.assign(values, NAN);
    d->saturated.assign(values, NAN);
    slot->publish(d);

    // The frames the core keeps, mirrored for the view as the run reaches them.
    const int64_t stride = lr.frame_stride();
    const auto t0 = std::chrono::steady_clock::now();
    const LongRunResult r = run_long(
        model, lr, std::nullopt, [&](int64_t k, int64_t m) { job.progress(k, m); }, &job.cancel_flag(),
        [&](const StepInfo& s) {
          const int64_t k = s.step;
          copy_row(d->energy, k, s.energy);
          copy_row(d->grad_norm, k, s.grad_norm);
          copy_row(d->saturated, k, saturated_fraction(s.x));
          if (k % stride == 0 || k == d->K || k == d->M) d->add_frame(int(k), host_nhwc(s.x));
          d->seconds.store(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          d->ready.store(int(k) + 1, std::memory_order_release);
        });
    d->cancelled.store(r.cancelled);
    d->finished.store(!r.cancelled);
  });
}

std::string long_run_command(const LongRunData& d, const LongRunExport& e) {
  SampleCommand c;
  c.model = d.request.model;
  c.n = d.shape.n;
  c.sampler = d.config.get<SamplerConfig>();
  c.continue_to = d.M;
  c.cols = grid_cols(d, e);
  c.out = e.png;
  c.json = e.png + ".json";
  c.runtime = runtime_flags(d.device, d.threads) + d.request.weights_flag;
  return sample_command(c);
}

void post_long_run_export(ViewJobs& jobs, std::shared_ptr<const LongRunData> data, const LongRunExport& e,
                          std::shared_ptr<ViewResultSlot<ExportOutcome>> slot) {
  jobs.post("long_run_export", "exporting the long run", "", export_job(slot, "long-run export failed", [data, e] {
    if (!data || !data->finished.load()) throw Error("nothing to export: the long run has not finished");
    const auto xk = data->at_step(data->K), xm = data->at_step(data->M);
    if (!xk || !xm) throw Error("nothing to export: the images at K and M are missing");
    // The CLI's own composition (long_run.h) of the same x_K and x_M: the PNG the command writes.
    LongRunResult r;
    r.short_steps = data->K;
    r.total_steps = data->M;
    r.x_short = from_host_nhwc(*xk, data->shape);
    r.x_long = from_host_nhwc(*xm, data->shape);
    const std::string command = long_run_command(*data, e);
    const auto mean_at = [&](const std::vector<float>& v, int k) {
      double s = 0;
      for (int i = 0; i < data->shape.n; ++i) s += v[size_t(k) * data->shape.n + i];
      return s / data->shape.n;
    };
    nlohmann::json j = {{"view", "long_run"},
                        {"command", command},
                        {"model", data->request.model},
                        {"n", data->shape.n},
                        {"sampler", data->config},
                        {"long_run", core_config(*data)},
                        {"short_steps", data->K},
                        {"total_steps", data->M},
                        {"cols", grid_cols(*data, e)},
                        {"at_K", {{"energy_mean", mean_at(data->energy, data->K)},
                                  {"grad_norm_mean", mean_at(data->grad_norm, data->K)},
                                  {"saturated_mean", mean_at(data->saturated, data->K)}}},
                        {"at_M", {{"energy_mean", mean_at(data->energy, data->M)},
                                  {"grad_norm_mean", mean_at(data->grad_norm, data->M)},
                                  {"saturated_mean", mean_at(data->saturated, data->M)}}},
                        {"png", "left: x_K (step " + std::to_string(data->K) + "), right: x_M (step " +
                                    std::to_string(data->M) + "), same chains"},
                        {"saturated_definition", "|x| >= 0.99"},
                        {"exported_by", "shortrun-explorer"}};
    write_file_atomic(e.png + ".json", [&](std::ostream& os) { os << j.dump(1) << "\n"; });
    write_png(e.png, long_run_image(r, grid_cols(*data, e)));
    ExportOutcome o;
    o.png = e.png;
    o.json = e.png + ".json";
    o.command = command;
    o.line = "wrote " + e.png + " (x_K | x_M) and " + e.png + ".json";
    return o;
  }));
}

}  // namespace shortrun::explorer

// The A/B compare view's job and export: core's compare_runs / compare_image / compare_rms,
// exactly as `shortrun compare` calls them, with both trajectories kept for the timeline.
#include "views/compare/compare_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "shortrun/analysis/ab_compare.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/model_paths.h"
#include "worker/host_copy.h"
#include "worker/jobs_text.h"
#include "worker/sampler_settings.h"
#include "worker/view_jobs.h"

namespace shortrun::explorer {

namespace {

constexpr int64_t kFrameBudgetBytes = int64_t(256) << 20;  // both trajectories together

struct AbTensors {
  CompareConfig config;
  CompareResult result;
};

void fill_side(const CompareSide& s, AbSide& out) {
  out.energy_mean = host_floats(s.curves.energy.mean(1));
  out.grad_norm_mean = host_floats(s.curves.grad_norm.mean(1));
  out.frozen = int(s.alive.numel() - s.alive.sum().item<int64_t>());
  // x_K as compare_runs returns it (what the PNG shows) replaces the observer's copy.
  const int k = int(out.sampler.steps);
  if (out.frame_steps.empty() || out.frame_steps.back() != k) {
    out.frame_steps.push_back(k);
    out.frames.emplace_back();
  }
  out.frames.back() = host_nhwc(s.x);
}

void run_compare(ViewJob& job, const AbRequest& req, ViewResultSlot<AbResult>& slot) {
  slot.start();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string path_b = req.model_b.empty() ? "" : resolve_model_path(req.model_b);
  // The job's model cache may drop older models when it loads one: fetch A again after B, so
  // both references are live (A is then either still cached or loaded into a cache holding B).
  job.model(req.model_a);
  EnergyModel* b = path_b.empty() ? nullptr : &job.model(path_b);
  EnergyModel& model_a = job.model(req.model_a);
  EnergyModel& model_b = b ? *b : model_a;
  CompareConfig config;
  config.a = sampler_config(model_a, req.sampler_a);
  config.b = config.a;  // as the CLI: B is A's settings with the -b flags on top
  if (req.b_own_sampler && b) {
    // Model B as it was trained to be sampled: its checkpoint's K, step size and noise.
    const SamplerConfig own = model_b.card().sampler;
    config.b.steps = own.steps;
    config.b.step_size = own.step_size;
    config.b.noise_std = own.noise_std;
  } else {
    config.b.steps = req.steps_b;
    config.b.step_size = req.step_size_b;
    config.b.noise_std = req.noise_b;
  }
  config.chains = req.chains;
  config.diff_range = req.diff_range;
  config.validate();

  auto out = std::make_shared<AbResult>();
  out->request = req;
  out->request.model_b = path_b;
  out->settings = config;
  const DataShape shape = model_a.shape();
  out->shape = ImageShape{req.chains, int(shape.channels), int(shape.height), int(shape.width)};
  out->a.sampler = config.a;
  out->b.sampler = config.sampler_b();
  // Frames kept per side: at most max_frames, and at most kFrameBudgetBytes for both sides.
  const int64_t frame_bytes = int64_t(req.chains) * shape.numel() * int64_t(sizeof(float));
  const int64_t max_frames = std::clamp<int64_t>(kFrameBudgetBytes / 2 / std::max<int64_t>(1, frame_bytes), 2, req.max_frames);
  const auto stride_of = [&](int64_t k) { return std::max<int64_t>(1, (k + max_frames - 2) / (max_frames - 1)); };
  const int64_t stride_a = stride_of(config.a.steps), stride_b = stride_of(config.b.steps);
  const auto observe = [&](int side, const StepInfo& s) {
    AbSide& o = side == 0 ? out->a : out->b;
    if (s.step % (side == 0 ? stride_a : stride_b) != 0) return;
    o.frame_steps.push_back(int(s.step));
    o.frames.push_back(host_nhwc(s.x));
  };
  const auto progress = [&](int64_t done, int64_t total) {
    job.progress(done, total);
    slot.done.store(done);
    slot.total.store(total);
  };
  auto tensors = std::make_shared<AbTensors>();
  tensors->config = config;
  tensors->result = compare_runs(model_a, model_b, config, progress, &job.cancel_flag(), observe);
  if (tensors->result.cancelled) {
    slot.stopped();
    return;
  }
  const CompareResult& r = tensors->result;
  fill_side(r.a, out->a);
  fill_side(r.b, out->b);
  const torch::Tensor rms = compare_rms(r);
  out->rms = host_floats(rms);
  out->rms_mean = float(rms.mean().item<double>());
  out->max_abs = float(r.diff.abs().max().item<double>());
  out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out->core = tensors;
  slot.publish(out);
}

}  // namespace

uint64_t post_compare(ViewJobs& jobs, const AbRequest& request, std::shared_ptr<ViewResultSlot<AbResult>> slot) {
  const std::string label = "A/B compare: " + count_of(request.chains, "chain");
  return jobs.post("compare", label, "chain-step", slot_job(slot, "A/B compare", [request](ViewJob& job, ViewResultSlot<AbResult>& s) {
    run_compare(job, request, s);
  }));
}

std::string ab_command(const AbResult& r, const std::string& png) {
  CompareCommand c;
  c.model_a = r.request.model_a;
  c.model_b = r.request.model_b;
  c.config = std::static_pointer_cast<const AbTensors>(r.core)->config;
  c.out_png = png;
  return compare_command(c);
}

uint64_t post_compare_export(ViewJobs& jobs, std::shared_ptr<const AbResult> r, const std::string& png,
                             std::shared_ptr<ViewResultSlot<ExportOutcome>> slot) {
  return jobs.post("compare_export", "A/B compare export", "", export_job(slot, "A/B export", [r, png] {
    const auto& t = *std::static_pointer_cast<const AbTensors>(r->core);
    write_png(png, compare_image(t.result, t.config, compare_default_cols(t.config.chains)));
    ExportOutcome o;
    o.png = png;
    o.json = png + ".json";
    o.command = ab_command(*r, png);
    const nlohmann::json j = {{"view", "compare"},
                              {"command", o.command},
                              {"model_a", r->request.model_a},
                              {"model_b", r->request.model_b.empty() ? r->request.model_a : r->request.model_b},
                              {"settings", t.config},
                              {"rms_difference_mean", r->rms_mean},
                              {"rms_difference_per_chain", r->rms},
                              {"max_abs_difference", r->max_abs},
                              {"png", "left: A, middle: B, right: x_B - x_A (white 0, red B brighter, blue B darker)"}};
    write_file_atomic(o.json, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
    o.line = "wrote " + png + " and " + o.json;
    return o;
  }));
}

}  // namespace shortrun::explorer

// The generator comparison's torch side (generator_compare_job.h): every model through its
// Generator, the same test image / latents for all.
#include "views/compare/generator_compare_job.h"

#include <chrono>

#include <torch/torch.h>

#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"
#include "shortrun/generators/ebm_generator.h"
#include "shortrun/generators/generator.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/model_paths.h"
#include "worker/host_copy.h"
#include "worker/jobs_text.h"
#include "worker/sampler_settings.h"
#include "worker/view_jobs.h"

namespace shortrun::explorer {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The cached EBM's model under other sampler settings, keeping the cached generator alive.
struct ResampledEbm : EbmGenerator {
  ResampledEbm(std::shared_ptr<Generator> cached, EnergyModel& model, SamplerConfig sampler)
      : EbmGenerator(model, std::move(sampler)), keep(std::move(cached)) {}
  std::shared_ptr<Generator> keep;
};

// Model i of the request as a Generator; the loaded EBM (i = 0) samples with the sidebar's settings.
std::shared_ptr<Generator> generator_of(ViewJob& job, const GenCompareRequest& req, size_t i) {
  std::shared_ptr<Generator> g = job.generator(resolve_model_path(req.models[i]));
  if (i != 0 || g->kind() != "ebm") return g;
  EnergyModel& model = static_cast<EbmGenerator&>(*g).model();
  const SamplerConfig cfg = sampler_config(model, req.sampler_a);
  return std::make_shared<ResampledEbm>(g, model, cfg);
}

void check_shape(const Generator& g, const DataShape& first, const std::string& path) {
  const DataShape s = g.shape();
  if (s.channels != first.channels || s.height != first.height || s.width != first.width)
    throw Error(path + ": makes " + s.str() + " images; the first model makes " + first.str() + " (compare models of one data shape)");
}

void run_reconstruct(ViewJob& job, const GenCompareRequest& req, GenCompareResult& out, ViewResultSlot<GenCompareResult>& slot) {
  std::vector<std::shared_ptr<Generator>> gens;
  for (size_t i = 0; i < req.models.size(); ++i) gens.push_back(generator_of(job, req, i));
  const DataShape shape = gens[0]->shape();
  for (size_t i = 1; i < gens.size(); ++i) check_shape(*gens[i], shape, req.models[i]);
  DataOptions d;
  d.split = "test";
  d.image_size = shape.height;
  d.limit = req.image_index + 1;
  const Dataset data = load_dataset(req.data, d);
  if (data.images.size(0) <= req.image_index)
    throw Error(req.data + ": has " + std::to_string(data.images.size(0)) + " test images; image " + std::to_string(req.image_index) +
                " was asked for");
  if (data.images.size(1) != shape.channels)
    throw Error(req.data + ": its images have " + std::to_string(data.images.size(1)) + " channels; the models make " + shape.str());
  const torch::Tensor x = data.images.narrow(0, req.image_index, 1);
  const torch::Tensor mask = req.mask == "none" ? torch::ones({1, 1, shape.height, shape.width})
                                                : make_mask(req.mask, shape.height, shape.width, uint64_t(req.sampler_a.seed));
  out.shape = ImageShape{1, int(shape.channels), int(shape.height), int(shape.width)};
  out.observed = host_nhwc(x);
  out.mask = host_floats(mask.flatten());
  const bool masked = req.mask != "none";
  const int64_t total = int64_t(gens.size()) * std::max(1, req.iters);
  for (size_t i = 0; i < gens.size(); ++i) {
    Generator& g = *gens[i];
    GeneratorReconOptions o;
    o.lr = req.lr;
    o.seed = uint64_t(req.sampler_a.seed);
    // As compare-models: an unmasked VAE reconstructs by its encoder alone.
    o.iters = g.has_encoder() && !masked ? 0 : req.iters;
    const int64_t before = int64_t(i) * std::max(1, req.iters);
    const auto t0 = Clock::now();
    const GeneratorRecon r = g.reconstruct(x.to(g.device()), masked ? mask : torch::Tensor(), o, [&](const ReconstructIteration& it) {
      job.progress(before + it.iteration, total);
      slot.done.store(before + it.iteration);
      slot.total.store(total);
    }, &job.cancel_flag());
    if (r.cancelled) return;
    GenCompareRow row;
    row.path = req.models[i];
    row.kind = g.kind();
    row.summary = g.summary();
    row.images = host_nhwc(r.x);
    row.mse_visible = float(r.mse.item<double>());
    row.mse_full = float((r.x.to(torch::kCPU) - x).pow(2).mean().item<double>());
    row.seconds = since(t0);
    row.method = g.kind() == "ebm" ? std::to_string(o.iters) + " Adam steps on z_0 through the K-step chain"
                 : o.iters == 0    ? std::string("the encoder's mean")
                 : g.kind() == "vae" ? "encoder's mean, then " + std::to_string(o.iters) + " Adam steps on z"
                                     : "inversion: " + std::to_string(o.iters) + " Adam steps on z from 0";
    out.rows.push_back(std::move(row));
  }
}

void run_interpolate(ViewJob& job, const GenCompareRequest& req, GenCompareResult& out, ViewResultSlot<GenCompareResult>& slot) {
  InterpolationSpec spec;
  spec.path = req.path;
  spec.noise = "mixed";  // an EBM's ends are then exactly its endpoint chains, as a VAE's or GAN's are
  spec.points = req.points;
  spec.validate();
  const std::vector<double> rhos = interpolation_rhos(spec);
  out.rho.assign(rhos.begin(), rhos.end());
  DataShape first;
  for (size_t i = 0; i < req.models.size(); ++i) {
    if (job.cancelled()) return;
    const std::shared_ptr<Generator> g = generator_of(job, req, i);
    if (i == 0) first = g->shape();
    else check_shape(*g, first, req.models[i]);
    const auto t0 = Clock::now();
    InterpolationResult r;
    try {
      r = g->interpolate({Endpoint{uint64_t(req.seed_a), req.index_a}}, {Endpoint{uint64_t(req.seed_b), req.index_b}}, spec,
                         &job.cancel_flag());
    } catch (const Error&) {
      if (job.cancelled()) return;
      throw;
    }
    GenCompareRow row;
    row.path = req.models[i];
    row.kind = g->kind();
    row.summary = g->summary();
    row.images = host_nhwc(r.x[0]);
    row.method = g->interpolation_method(spec);
    row.seconds = since(t0);
    out.rows.push_back(std::move(row));
    job.progress(int64_t(i) + 1, int64_t(req.models.size()));
    slot.done.store(int64_t(i) + 1);
    slot.total.store(int64_t(req.models.size()));
  }
  out.shape = ImageShape{int(rhos.size()), int(first.channels), int(first.height), int(first.width)};
}

}  // namespace

uint64_t post_generator_compare(ViewJobs& jobs, const GenCompareRequest& request,
                                std::shared_ptr<ViewResultSlot<GenCompareResult>> slot) {
  if (request.models.empty()) throw Error("the generator comparison needs at least one model");
  const bool recon = request.mode == "reconstruct";
  const std::string label = (recon ? "compare reconstructions: " : "compare interpolations: ") + count_of(int(request.models.size()), "model");
  return jobs.post("generator_compare", label, recon ? "iteration" : "model",
                   slot_job(slot, recon ? "reconstruction comparison" : "interpolation comparison",
                            [request, recon](ViewJob& job, ViewResultSlot<GenCompareResult>& s) {
                              s.start();
                              const auto t0 = Clock::now();
                              auto out = std::make_shared<GenCompareResult>();
                              out->request = request;
                              if (recon) run_reconstruct(job, request, *out, s);
                              else run_interpolate(job, request, *out, s);
                              if (job.cancelled()) {
                                s.stopped();
                                return;
                              }
                              out->seconds = since(t0);
                              s.publish(out);
                            }));
}

}  // namespace shortrun::explorer

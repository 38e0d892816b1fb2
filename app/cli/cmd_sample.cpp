// `shortrun sample`: run short-run Langevin chains and write a PNG grid / NPY / trajectory.
// Chains stream through in fixed-size batches (chain i is the same for any batch: the noise is
// addressed by chain and evaluations come in fixed-size chunks), so memory does not grow with
// --n: NPY outputs are assembled in a temporary file, the PNG is written last. --continue-to M
// runs the same chains on past K (the short-run vs long-run view, long_run.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>

#include "cli_common.h"
#include "data_parallel_launch.h"
#include "shortrun/base/sha256.h"
#include "shortrun/distributed/row_gather.h"
#include "shortrun/analysis/long_run.h"
#include "shortrun/analysis/reproduce_command.h"
#include "shortrun/analysis/view_common.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/model_paths.h"
#include "shortrun/io/npy.h"
#include "shortrun/model/weights_choice.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "spill_file.h"
#include "toy_model.h"
#include "toy_run.h"
#include "view_support.h"

namespace shortrun::cli {

namespace {
struct Options {
  std::string model, init_file, out = "samples.png", npy, trajectory, json, weights;
  std::string init_dist;  // --init uniform|gaussian (the z distribution), else ""
  bool init_dist_given = false;  // --init-dist on the command line
  int64_t n = 64, every = 10, cols = 0, batch = 1024, continue_to = 0;
  bool quiet = false;
  SamplerOverrides sampler;
  RuntimeOptions rt;
  ModelOptions mo;
  DataParallelOptions dp;  // --nproc, --backend, --dist-timeout (issue 27)
};

// The sample command line that reproduces this run's outputs (reproduce_command.h, shared with
// the explorer's long-run export).
std::string sample_command(const Options& o, const std::string& model_path, const SamplerConfig& cfg,
                           const std::string& json_path) {
  SampleCommand c;
  c.model = model_path;
  c.n = o.n;
  c.sampler = cfg;
  c.batch_chains = o.batch;
  c.init = o.init_file;
  c.continue_to = o.continue_to;
  c.cols = o.cols;
  c.out = o.out;
  c.npy = o.npy;
  c.trajectory = o.trajectory;
  c.every = o.every;
  c.json = json_path;
  c.runtime = runtime_flags(o.rt, o.mo);
  // Raw weights with EMA weights beside them: the default would take the EMA ones.
  const bool raw_beside_ema = !is_ema_path(model_path) && file_exists(companion_path(model_path, "ema"));
  return shortrun::sample_command(c) + (raw_beside_ema ? " --weights raw" : "");
}

torch::Tensor read_init(const std::string& path, const DataShape& shape) {
  torch::Tensor imgs = read_image_or_npy(path);
  if (imgs.size(1) != shape.channels || imgs.size(2) != shape.height || imgs.size(3) != shape.width)
    throw file_error(path, "image is " + std::to_string(imgs.size(1)) + "x" + std::to_string(imgs.size(2)) + "x" +
                               std::to_string(imgs.size(3)) + " (CxHxW); the model expects " + shape.str());
  return imgs;
}

// An output's size estimated before anything runs (a 1.6 TB --trajectory was not refused).
void check_output(const std::string& flag, const std::string& path, double bytes) {
  if (!path.empty() && bytes > double(kMaxOutputBytes.value()))
    throw file_error(path, kMaxOutputBytes.exceeded(flag + " of about " + std::to_string(int64_t(std::min(bytes, 9e18))) + " bytes") +
                               "; lower --n" + (flag == "--trajectory" ? " or raise --every" : std::string()));
}

// --continue-to: chains 0..n-1 run to M in one batch; the PNG shows x_K | x_M.
void run_continued(const Options& o, SamplingSetup& setup, const Interrupt& interrupt) {
  const SamplerConfig& cfg = setup.sampler;
  LongRunConfig lr;
  lr.sampler = cfg;
  lr.chains = o.n;
  lr.continue_to = o.continue_to;
  lr.every = o.every;
  lr.max_frames = o.trajectory.empty() ? 0 : 2000;
  lr.validate();
  const int64_t m = lr.total_steps();
  if (!o.trajectory.empty() && (m / o.every + 3) > lr.max_frames)
    throw CLI::ValidationError("--every", "the trajectory would hold about " + std::to_string(m / o.every) +
                                              " frames; expected at most 2000 (raise --every)");
  // One batch of all chains, the frames held in memory until written.
  const double value_bytes = double(setup.model->shape().numel()) * 4;
  check_batch_memory(o.n, setup.model->shape(), cfg.chunk);
  check_output("--npy", o.npy, double(o.n) * value_bytes);
  check_output("--trajectory", o.trajectory, double(m / o.every + 3) * double(o.n) * value_bytes);
  const double frame_bytes = o.trajectory.empty() ? 0 : double(m / o.every + 3) * double(o.n) * value_bytes;
  if (frame_bytes > double(kMaxBatchBytes.value()))
    throw file_error(o.trajectory, kMaxBatchBytes.exceeded("holding about " + std::to_string(int64_t(frame_bytes)) +
                                                           " bytes of --trajectory frames in memory (--continue-to)") +
                                       "; lower --n or raise --every");
  std::optional<torch::Tensor> init;
  if (!o.init_file.empty()) {
    const torch::Tensor imgs = read_init(o.init_file, setup.model->shape());
    init = imgs.index_select(0, torch::arange(0, o.n, torch::kInt64).remainder(imgs.size(0)));
  }
  const std::string& model_path = setup.model_path;
  const std::string json_path = o.json.empty() ? json_next_to(o.out) : o.json;
  StderrProgress progress("sample to step " + std::to_string(m));
  const auto t0 = std::chrono::steady_clock::now();
  const LongRunResult r = run_long(*setup.model, lr, init, std::ref(progress), interrupt.flag());
  progress.finish();
  if (r.cancelled) exit_interrupted("shortrun sample");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.npy.empty()) write_npy(o.npy, r.x_long);
  if (!o.trajectory.empty()) write_npy(o.trajectory, r.frames);
  const int64_t cols = o.cols > 0 ? o.cols : static_cast<int64_t>(std::ceil(std::sqrt(double(std::min<int64_t>(o.n, 4096)))));
  const auto at = [&](const nlohmann::json& curve, int64_t k) { return curve.is_array() ? curve.at(static_cast<size_t>(k)) : nlohmann::json(); };
  nlohmann::json curves = r.curves.to_json(o.n <= 256);
  nlohmann::json j = {{"view", "long_run"},
                      {"command", sample_command(o, model_path, cfg, json_path)},
                      {"model", model_path},
                      {"weights", setup.ema ? "ema" : "raw"},
                      {"n", o.n},
                      {"sampler", cfg},
                      {"long_run", lr},
                      {"short_steps", r.short_steps},
                      {"total_steps", r.total_steps},
                      {"at_K", {{"energy_mean", at(curves["energy_mean"], r.short_steps)},
                                {"grad_norm_mean", at(curves["grad_norm_mean"], r.short_steps)},
                                {"saturated_mean", at(curves["saturated_mean"], r.short_steps)}}},
                      {"at_M", {{"energy_mean", at(curves["energy_mean"], r.total_steps)},
                                {"grad_norm_mean", at(curves["grad_norm_mean"], r.total_steps)},
                                {"saturated_mean", at(curves["saturated_mean"], r.total_steps)}}},
                      {"frozen_chains", o.n - r.alive.sum().item<int64_t>()},
                      {"frame_steps", r.frame_steps},
                      {"png", "left: x_K (step " + std::to_string(r.short_steps) + "), right: x_M (step " +
                                  std::to_string(r.total_steps) + "), same chains"},
                      {"saturated_definition", "|x| >= 0.99"},
                      {"seconds", secs},
                      {"curves", curves}};
  if (!json_path.empty()) write_json_report(json_path, j);
  if (!o.out.empty()) write_png(o.out, long_run_image(r, cols));
  if (!o.quiet) {
    std::cout << "sampled " << o.n << " chains to step " << r.total_steps << " (short run K=" << r.short_steps << ") in "
              << secs << " s; mean f at K " << j["at_K"]["energy_mean"] << ", at M " << j["at_M"]["energy_mean"]
              << "; saturated at K " << j["at_K"]["saturated_mean"] << ", at M " << j["at_M"]["saturated_mean"];
    if (!o.out.empty()) std::cout << " -> " << o.out << " (x_K | x_M)";
    if (!json_path.empty()) std::cout << ", " << json_path;
    std::cout << "\n";
  }
}
// A 2-D playground model: n points after K steps (its own K, step size and noise unless
// --steps/--step-size/--noise say otherwise) as NPY [n,2], and the playground picture (target |
// learned exp(f) | short-run x_K | long-run x_10K) as the PNG.
void sample_toy(const Options& o, const std::string& path) {
  ToyModelFile f;
  std::unique_ptr<Toy2dTrainer> trainer = load_toy_model(path, &f);
  SamplerConfig base;
  base.steps = f.settings.steps;
  base.step_size = f.settings.step_size;
  base.noise_std = f.settings.noise_std;
  const SamplerConfig cfg = o.sampler.apply(base);
  Toy2dSettings s = f.settings;
  s.steps = cfg.steps;
  s.step_size = cfg.step_size;
  s.noise_std = cfg.noise_std;
  trainer->set_settings(s);
  const Toy2dParticles p = trainer->sample(o.n, s.steps);
  const torch::Tensor points = torch::from_blob(const_cast<float*>(p.frame(p.frames - 1)), {p.n, 2}, torch::kFloat32).clone();
  std::string npy = o.npy;
  if (npy.empty()) {
    const std::string& out = o.out;
    npy = (out.size() > 4 && out.substr(out.size() - 4) == ".png" ? out.substr(0, out.size() - 4) : out) + ".npy";
  }
  write_npy(npy, points);
  if (!o.out.empty()) write_toy_playground_png(*trainer, o.out);
  if (!o.quiet)
    std::cout << "wrote " << o.n << " points of the 2-D playground model " << path << " (K=" << s.steps << ", iteration "
              << f.iteration << ") to " << npy << (o.out.empty() ? "" : " and its picture to " + o.out) << "\n";
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("sample", "Run short-run Langevin chains from noise (or --init images)");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--n", o->n, "number of chains")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  o->sampler.add(*cmd);
  cmd->add_option("--init", o->init_file, "where chains start: uniform | gaussian (z ~ U(-1,1) or N(0,1), as --init-dist) "
                                          "or images (PNG/JPEG, or NPY [N,C,H,W]; ./NAME for a file named like a keyword)");
  add_weights_option(*cmd, o->weights);
  cmd->add_option("--out", o->out, "PNG grid of the final states ('-': stdout, '': none)")->capture_default_str();
  cmd->add_option("--cols", o->cols, "grid columns (default: sqrt(n))");
  cmd->add_option("--npy", o->npy, "also write x_K as float32 NPY [N,C,H,W]");
  cmd->add_option("--trajectory", o->trajectory, "write states every --every steps as NPY [T,N,C,H,W]");
  cmd->add_option("--every", o->every, "trajectory interval")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--continue-to", o->continue_to,
                  "continue the same chains (same z and noise stream) past K to step M; --out then shows x_K | x_M, "
                  "--npy holds x_M, and the JSON report has f, |grad f| and the saturated fraction per step")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd->add_option("--json", o->json, "write a JSON report: settings, the command that reproduces the outputs, MALA "
                                     "acceptance per step and per chain, the curves with --continue-to (default there: OUT.json)");
  cmd->add_option("--batch-chains", o->batch, "chains sampled at a time; memory is bounded by this, not by --n "
                                             "(the results do not depend on it unless --chunk 0)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_flag("--quiet,-q", o->quiet, "print nothing on success");
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  add_data_parallel_options(*cmd, o->dp);
  CLI::Option* init_dist_opt = cmd->get_option("--init-dist");
  cmd->callback([o, init_dist_opt] {
    // --init's keywords: the z distributions; the training starts need a dataset or a buffer.
    if (o->init_file == "uniform" || o->init_file == "gaussian") {
      o->init_dist = o->init_file;
      o->init_file.clear();
    } else if (o->init_file == "data" || o->init_file == "persistent") {
      throw CLI::ValidationError("--init", "'" + o->init_file + "' is a training start (train --init " + o->init_file +
                                               "); sample takes uniform, gaussian or image files (./" + o->init_file +
                                               " for a file of that name)");
    }
    if (!o->init_dist.empty() && init_dist_opt->count())
      throw CLI::ValidationError("--init", "--init " + o->init_dist + " and --init-dist both choose z's distribution; give one");
    check_one_stdout_output({{"--out", o->out}, {"--npy", o->npy}, {"--trajectory", o->trajectory}, {"--json", o->json}});
    check_outputs({{"--out", o->out}, {"--npy", o->npy}, {"--trajectory", o->trajectory},
                   {"--json", o->json.empty() && o->continue_to > 0 ? json_next_to(o->out) : o->json}},
                  {model_input("--model", o->model), {"--init", o->init_file}});
    const std::string model_file = resolve_model_path(o->model);
    const bool toy = is_toy_model_file(model_file);
    if (o->dp.nproc > 1 && (toy || o->continue_to > 0))
      throw CLI::ValidationError("--nproc", std::string(toy ? "a 2-D playground model" : "--continue-to") +
                                                " is not split over ranks; sample it in one process");
    // --nproc N: this process only starts the N ranks and waits for them (issue 27).
    const bool stdout_taken = o->out == "-" || o->npy == "-" || o->trajectory == "-" || o->json == "-";
    if (const int status = launch_local_workers(o->dp, o->rt.threads, o->quiet || stdout_taken ? nullptr : &std::cout); status >= 0) {
      if (status != 0) throw ExitStatus{status};
      return;
    }
    // Under torchrun/srun (or as one of --nproc's ranks): each rank runs its share of the chains
    // (global chain indices, whole --chunk units), rank 0 gathers them and writes every output.
    const std::unique_ptr<DistGroup> group = join_data_parallel(o->dp, o->rt.device == "cuda");
    if (group && (toy || o->continue_to > 0))
      throw Error(group->who() + ": " + (toy ? "a 2-D playground model" : std::string("--continue-to")) +
                  " is not split over ranks; sample it in one process");
    if (toy) return sample_toy(*o, model_file);
    // Ctrl+C from the start: a long run stops between steps and writes nothing.
    std::unique_ptr<Interrupt> interrupt = o->continue_to > 0 ? std::make_unique<Interrupt>() : nullptr;
    SamplingSetup setup;
    torch::Tensor init_images;  // cycled through to fill the chains, batch by batch
    start_together(
        group.get(),
        [&] {
          setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler, o->weights);
          if (!o->init_dist.empty()) setup.sampler.init = o->init_dist;
          if (!o->init_file.empty() && o->continue_to == 0) init_images = read_init(o->init_file, setup.model->shape());
        },
        [&] {
          const nlohmann::json j = {{"n", o->n}, {"batch_chains", o->batch}, {"sampler", setup.sampler},
                                    {"model_sha256", sha256_file(setup.model_path)}, {"weights", setup.ema ? "ema" : "raw"},
                                    {"init", o->init_file}, {"trajectory", !o->trajectory.empty()}, {"every", o->every},
                                    {"json", !o->json.empty()}};
          return j.dump();
        });
    const bool writer = !group || group->rank() == 0;
    RankHeartbeat heartbeat(group.get());  // a rank that dies stops the others' chains (one line each)
    if (!o->quiet && writer) report_weights(setup, "sample");
    if (o->continue_to > 0) return run_continued(*o, setup, *interrupt);
    const torch::Device device = setup.device;
    EnergyModel* model = setup.model.get();
    const SamplerConfig& cfg = setup.sampler;
    const DataShape shape = model->shape();

    // Chunked evaluation makes chain i independent of its batch; --chunk 0 (one evaluation
    // for all chains) keeps all chains in one batch, as asked.
    const int64_t n = o->n;
    const int64_t batch = cfg.chunk > 0 ? (std::min(o->batch, n) + cfg.chunk - 1) / cfg.chunk * cfg.chunk : n;
    const int64_t d = shape.numel();
    std::vector<int64_t> frame_steps;
    for (int64_t k = 0; k <= cfg.steps; ++k)
      if (k % o->every == 0 || k == cfg.steps) frame_steps.push_back(k);
    const auto chw = shape.chw();
    std::vector<int64_t> x_shape{n}, traj_shape{static_cast<int64_t>(frame_steps.size()), n};
    x_shape.insert(x_shape.end(), chw.begin(), chw.end());
    traj_shape.insert(traj_shape.end(), chw.begin(), chw.end());
    const std::string x_pre = npy_preamble(x_shape), traj_pre = npy_preamble(traj_shape);
    // Refused before anything runs: a batch too big for memory, an output too big for the disk.
    check_batch_memory(batch, shape, cfg.chunk);
    const double value_bytes = double(d) * 4;
    check_output("--npy", o->npy, double(n) * value_bytes);
    check_output("--trajectory", o->trajectory, double(frame_steps.size()) * double(n) * value_bytes);
    const bool traj = !o->trajectory.empty();
    std::unique_ptr<SpillFile> x_spill, traj_spill;
    if (writer && !o->npy.empty()) x_spill = std::make_unique<SpillFile>("--npy " + o->npy);
    if (writer && traj) traj_spill = std::make_unique<SpillFile>("--trajectory " + o->trajectory);
    const int64_t grid_max = 4096;  // a grid of more images is no picture anyone looks at
    std::vector<std::pair<int64_t, torch::Tensor>> grid_parts;  // (first chain, rows), in any order
    LangevinSampler sampler(*model, cfg);
    int64_t dead = 0;
    double accept_sum = 0;
    // MALA: accepted proposals per step (summed over chains) and each chain's rate, for --json.
    const bool mala_stats = cfg.mala && !o->json.empty();
    std::vector<double> accepted_per_step(static_cast<size_t>(mala_stats ? cfg.steps : 0), 0.0);
    std::vector<double> accept_per_chain(static_cast<size_t>(mala_stats && writer ? n : 0), 0.0);
    // The chains of each rank: whole chunks, so every evaluation holds the chains it holds in one
    // process (bit-equal results); in rounds of one batch per rank, gathered by rank 0.
    const int world = group ? group->world() : 1, rank = group ? group->rank() : 0;
    std::vector<ChainShare> shares;
    int64_t rounds = 0;
    for (int r = 0; r < world; ++r) {
      shares.push_back(chain_share(n, cfg.chunk > 0 ? cfg.chunk : 1, r, world));
      rounds = std::max(rounds, (shares.back().size() + batch - 1) / batch);
    }
    std::vector<int64_t> sample_shape{0};
    sample_shape.insert(sample_shape.end(), chw.begin(), chw.end());
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t round = 0; round < rounds; ++round) {
      std::vector<int64_t> firsts, rows;
      for (const ChainShare& sh : shares) {
        firsts.push_back(sh.begin + round * batch);
        rows.push_back(std::clamp<int64_t>(sh.end - firsts.back(), 0, batch));
      }
      const int64_t first = firsts[size_t(rank)], b = rows[size_t(rank)];
      // Every rank's rows of one table on rank 0 (this rank's alone without a group), then
      // put(first chain, rows) for each rank's part there.
      const auto gathered = [&](const torch::Tensor& mine, const char* what, const std::function<void(int64_t, const torch::Tensor&)>& put) {
        const torch::Tensor all = group ? gather_rows(*group, mine, rows, what) : mine;
        if (!writer) return;
        int64_t at = 0;
        for (size_t r = 0; r < rows.size(); ++r)
          if (rows[r] > 0) {
            put(firsts[r], all.narrow(0, at, rows[r]));
            at += rows[r];
          }
      };
      size_t frame = 0;
      const auto frame_out = [&](const torch::Tensor& x) {
        const uint64_t f = frame++;
        gathered(x.to(torch::kCPU, torch::kFloat32).contiguous(), "trajectory gather", [&](int64_t at, const torch::Tensor& part) {
          traj_spill->write_at(traj_pre.size() + (f * uint64_t(n) + uint64_t(at)) * uint64_t(d) * 4, part);
        });
      };
      torch::Tensor x, accept;
      if (b > 0) {
        StepObserver observer = nullptr;
        if (traj || mala_stats)
          observer = [&](const StepInfo& s) {
            if (mala_stats && s.accepted.defined() && s.step < cfg.steps)
              accepted_per_step[size_t(s.step)] += s.accepted.sum().item<double>();
            if (traj && frame < frame_steps.size() && s.step == frame_steps[frame]) frame_out(s.x);
          };
        std::optional<torch::Tensor> init_b;
        if (init_images.defined())
          init_b = init_images.index_select(0, torch::arange(first, first + b, torch::kInt64).remainder(init_images.size(0)));
        const SampleResult r = sampler.run(chain_range(first, b, device), init_b, observer, heartbeat.cancel());
        heartbeat.check();
        dead += b - r.alive.sum().item<int64_t>();
        if (r.accept_rate.defined()) accept_sum += r.accept_rate.sum().item<double>();
        if (mala_stats) accept = r.accept_rate.to(torch::kCPU, torch::kFloat64).contiguous();
        x = r.x.to(torch::kCPU);
      } else {
        x = torch::zeros(sample_shape, torch::kFloat32);
        if (mala_stats) accept = torch::zeros({0}, torch::kFloat64);
      }
      // Frames a rank did not observe (none this round, or a run that stopped early): zeros, as
      // the unwritten part of one process's file (and every rank takes part in every gather).
      while (traj && frame < frame_steps.size()) {
        std::vector<int64_t> zshape{b};
        zshape.insert(zshape.end(), chw.begin(), chw.end());
        frame_out(torch::zeros(zshape, torch::kFloat32));
      }
      gathered(x.to(torch::kFloat32).contiguous(), "sample gather", [&](int64_t at, const torch::Tensor& part) {
        if (x_spill) x_spill->write_at(x_pre.size() + uint64_t(at) * uint64_t(d) * 4, part);
        if (at < grid_max) grid_parts.emplace_back(at, part.narrow(0, 0, std::min(part.size(0), grid_max - at)).clone());
      });
      if (mala_stats)
        gathered(accept, "MALA gather", [&](int64_t at, const torch::Tensor& part) {
          std::copy(part.data_ptr<double>(), part.data_ptr<double>() + part.numel(), accept_per_chain.begin() + at);
        });
    }
    if (group) {
      std::vector<double> sums{double(dead), accept_sum};
      sums.insert(sums.end(), accepted_per_step.begin(), accepted_per_step.end());
      sums = all_reduce_values(group.get(), sums, ReduceOp::kSum, "sample statistics");
      dead = int64_t(sums[0]);
      accept_sum = sums[1];
      std::copy(sums.begin() + 2, sums.end(), accepted_per_step.begin());
    }
    heartbeat.finish();
    if (!writer) return;  // rank 0 writes and reports
    std::sort(grid_parts.begin(), grid_parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const uint64_t x_bytes = x_pre.size() + uint64_t(n) * uint64_t(d) * 4;
    const uint64_t traj_bytes = traj_pre.size() + uint64_t(frame_steps.size()) * uint64_t(n) * uint64_t(d) * 4;
    if (x_spill) {
      x_spill->write_at(0, x_pre.data(), x_pre.size());
      x_spill->copy_to(o->npy, x_bytes);
    }
    if (traj_spill) {
      traj_spill->write_at(0, traj_pre.data(), traj_pre.size());
      traj_spill->copy_to(o->trajectory, traj_bytes);
    }
    std::vector<torch::Tensor> grid_rows;
    for (const auto& [at, part] : grid_parts) grid_rows.push_back(part);
    const torch::Tensor grid = torch::cat(grid_rows);
    const int64_t shown = grid.size(0);
    const int64_t cols = o->cols > 0 ? o->cols : static_cast<int64_t>(std::ceil(std::sqrt(double(shown))));
    if (!o->json.empty()) {
      nlohmann::json j = {{"view", "sample"},
                          {"command", sample_command(*o, setup.model_path, cfg, o->json)},
                          {"model", setup.model_path},
                          {"weights", setup.ema ? "ema" : "raw"},
                          {"n", n},
                          {"sampler", cfg},
                          {"frozen_chains", dead},
                          {"seconds", secs}};
      if (cfg.mala) {
        for (double& a : accepted_per_step) a /= double(n);
        j["mala"] = {{"accept_rate_mean", accept_sum / double(n)},
                     {"accept_rate_per_step", accepted_per_step},
                     {"accept_rate_per_chain", accept_per_chain}};
      }
      write_json_report(o->json, j);
    }
    if (!o->out.empty()) write_png(o->out, make_grid(grid, cols));  // last: everything else has succeeded
    if (!o->quiet) {
      std::cout << "sampled " << n << " chains x " << cfg.steps << " steps (step " << cfg.step_size << ", noise "
                << cfg.noise_std << ", seed " << cfg.seed << ") on " << device << " in " << secs << " s ("
                << (secs > 0 ? double(n * cfg.steps) / secs : 0.0) << " chain-steps/s)";
      if (!o->out.empty()) std::cout << " -> " << o->out << (shown < n ? " (the first " + std::to_string(shown) + ")" : "");
      std::cout << "\n";
      if (cfg.mala) std::cout << "MALA: mean acceptance " << accept_sum / double(n) << "\n";
      if (dead) std::cout << "warning: " << dead << " chain(s) turned NaN/Inf and were frozen at their last finite state\n";
    }
  });
}

}  // namespace shortrun::cli

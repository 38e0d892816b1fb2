// `shortrun train`: the paper's maximum-likelihood loop into a run directory; --resume
// continues one. Ctrl-C saves a checkpoint of the last finished iteration before exiting.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli_common.h"
#include "view_support.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/run_directory.h"
#include "shortrun/model/weights_choice.h"
#include "shortrun/training/presets.h"
#include "shortrun/training/trainer.h"
#include "cmd_train_baseline.h"
#include "cmd_train_toy.h"
#include "data_parallel_launch.h"

namespace shortrun::cli {
namespace {

std::string format_seconds(double s) {
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

// One progress report: a bar redrawn in place on a terminal, plain lines otherwise (logs).
void report(const TrainProgress& p, bool tty) {
  if (!p.event.empty()) {
    if (p.event == "eval")
      std::printf("%seval at iteration %lld: FD %.3f %s\n", tty ? "\r\033[K" : "", static_cast<long long>(p.iteration), p.fd,
                  p.message.c_str());
    else
      std::printf("%s%s: %s\n", tty ? "\r\033[K" : "", p.event.c_str(), p.message.c_str());
    std::fflush(stdout);
    return;
  }
  if (tty) {
    const int width = 24;
    const int filled = p.iters > 0 ? int(double(width) * double(p.iteration) / double(p.iters)) : width;
    std::string bar(size_t(filled), '#');
    bar.resize(width, '-');
    std::printf("\r\033[K[%s] %3d%% %lld/%lld  %.3f it/s  ETA %s  f(data) %+.3f  gap %+.3f  |grad f| %.3f", bar.c_str(),
                p.iters > 0 ? int(100 * p.iteration / p.iters) : 100, static_cast<long long>(p.iteration),
                static_cast<long long>(p.iters), p.its_per_s, format_seconds(p.eta_s).c_str(), p.f_data,
                p.f_data - p.f_samples, p.grad_norm);
  } else {
    std::printf("iter %6lld/%lld  f(data) %+10.4f  f(samples) %+10.4f  gap %+9.4f  |grad f| %8.4f  %6.3f it/s  ETA %s\n",
                static_cast<long long>(p.iteration), static_cast<long long>(p.iters), p.f_data, p.f_samples,
                p.f_data - p.f_samples, p.grad_norm, p.its_per_s, format_seconds(p.eta_s).c_str());
    if (p.buffer_reinit >= 0)
      std::printf("           buffer: mean age %.2f, %lld re-initialised\n", p.buffer_mean_age, static_cast<long long>(p.buffer_reinit));
  }
  std::fflush(stdout);
}

// The --limit a run's config.json records, if it records one (runs from before it was kept do not).
std::optional<int64_t> recorded_limit(const std::string& dir) {
  std::ifstream in(dir + "/config.json");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("limit") || !j["limit"].is_number_integer()) return std::nullopt;
  return j["limit"].get<int64_t>();
}

// "0.1", "5": a default as the help shows it.
std::string short_number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// The option of that name among `options`.
CLI::Option* cmd_option(const std::vector<CLI::Option*>& options, const std::string& name) {
  for (CLI::Option* o : options)
    if (o->get_name() == name) return o;
  throw std::logic_error("no option " + name);
}

}  // namespace

void add_train_command(CLI::App& app) {
  struct Options {
    TrainerConfig cfg;
    std::string out, resume, lr_schedule, preset;
    bool print_config = false;
    int64_t limit = 0, eval_every = -1;
    RuntimeOptions rt;
    std::string model = "ebm";        // ebm | vae | gan (cmd_train_baseline.cpp)
    BaselineTrainOptions baseline;
    DataParallelOptions dp;         // --nproc, --backend, --dist-timeout (issue 27)
  };
  auto o = std::make_shared<Options>();
  TrainerConfig& c = o->cfg;
  // The options whose toy defaults differ from the image ones: given or not.
  struct ToyOptions {
    CLI::Option *steps, *step_size, *noise, *batch, *lr, *data_noise, *log_every, *activation, *energy_l2;
    CLI::Option *watch_gap, *watch_patience, *rollback_lr_factor;
    double energy_l2_value = 0;
  };
  auto toy = std::make_shared<ToyOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Learn an energy model with short-run MCMC (the paper's loop)");
  cmd->add_option("--data", c.data,
                  "fashion-mnist | idx:PATH | cifar10:DIR | folder:DIR | toy:ring8|moons|spirals|checkerboard (the 2-D playground; "
                  "also toy:gaussian:MX,MY,SIGMA, toy:image:PATH)")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "run directory (config.json, metrics.jsonl, samples/, checkpoints/)");
  cmd->add_option("--resume", o->resume, "continue the run in this directory");
  CLI::Option* iters_opt = cmd->add_option("--iters", c.iters, "training iterations (with --resume: a new total)")->capture_default_str();
  toy->steps = cmd->add_option("--steps", c.sampler.steps, "Langevin steps K (toy default 50)")->capture_default_str();
  toy->step_size = cmd->add_option("--step-size", c.sampler.step_size, "Langevin step size (toy default 0.02)")->capture_default_str();
  toy->noise = cmd->add_option("--noise", c.sampler.noise_std, "Langevin noise std (toy default 0.2)")->capture_default_str();
  cmd->add_flag("--clamp", c.sampler.clamp, "clamp samples to [-1,1] after every Langevin step (steadier; the paper does not)");
  toy->batch = cmd->add_option("--batch", c.batch, "batch size (toy default 256)")->capture_default_str();
  toy->lr = cmd->add_option("--lr", c.lr, "Adam learning rate (toy default 1e-3)")->capture_default_str();
  CLI::Option* schedule_opt =
      cmd->add_option("--lr-schedule", o->lr_schedule,
                      "constant | cosine (to 1% of --lr over --iters) | step:ITER:FACTOR (x FACTOR every ITER iterations); "
                      "fixed for the run (kept in its checkpoints)")
          ->check(CLI::Validator(
              [](std::string& s) -> std::string {
                try {
                  LrSchedule::parse(s);
                  return "";
                } catch (const Error& e) {
                  return e.what();
                }
              },
              "SCHEDULE"));
  toy->data_noise = cmd->add_option("--data-noise", c.data_noise, "std of Gaussian noise added to data (toy default 0)")->capture_default_str();
  toy->energy_l2 = cmd->add_option("--energy-l2", toy->energy_l2_value,
                                   "energy magnitude penalty alpha: adds alpha*(mean f(data)^2 + mean f(samples)^2) to the "
                                   "loss (default 0; the 2-D playground's default " + short_number(Toy2dSettings().energy_l2) + ")");
  cmd->add_option("--init", c.init, "where each iteration's chains start: uniform (U(-1,1), the paper's) | gaussian (N(0,1)) | "
                                   "data (the noisy data batch, as in contrastive divergence) | persistent (a replay buffer: "
                                   "--buffer, --reinit)")
      ->capture_default_str()->check(CLI::IsMember({"uniform", "gaussian", "data", "persistent"}));
  cmd->add_option("--buffer", c.buffer, "--init persistent: chains in the replay buffer (kept beside every checkpoint)")
      ->capture_default_str();
  cmd->add_option("--reinit", c.reinit, "--init persistent: the fraction of drawn chains re-initialised from U(-1,1) each iteration")
      ->capture_default_str();
  cmd->add_option("--ema", c.ema, "keep EMA weights with this decay (e.g. 0.999) beside every checkpoint; sample and eval "
                                  "use them when present (0: none)")
      ->capture_default_str();
  cmd->add_option("--nf", c.arch.nf, "base width n_f")->capture_default_str();
  cmd->add_option("--arch", c.arch.kind, "convnet | resnet")->capture_default_str()->check(CLI::IsMember({"convnet", "resnet"}));
  toy->activation = cmd->add_option("--activation", c.arch.activation, "lrelu | silu | softplus | elu (toy: silu | softplus, default silu)")
      ->capture_default_str()->check(CLI::IsMember({"lrelu", "silu", "softplus", "elu"}));
  cmd->add_option("--image-size", c.arch.image_size, "32 or 64")->capture_default_str();
  cmd->add_option("--leak", c.arch.leak, "LeakyReLU negative slope (--activation lrelu)")->capture_default_str();
  cmd->add_option("--preset", o->preset, "fill the recipe's switches from a published configuration: " + training_preset_names() +
                                             " (flags given explicitly win; sources in the README; config.json records it)")
      ->check(CLI::IsMember([] {
        std::vector<std::string> names;
        for (const TrainingPreset& p : training_presets()) names.push_back(p.name);
        return names;
      }()));
  cmd->add_flag("--print-config", o->print_config, "print the configuration the switches (and --preset) resolve to, as config.json "
                                                   "would record it, and exit without training");
  cmd->add_option("--seed", c.seed, "seed for weights, batches and all noise")->capture_default_str()->check(seed_check());
  toy->log_every = cmd->add_option("--log-every", c.log_every, "iterations between progress lines")->capture_default_str();
  cmd->add_option("--sample-every", c.sample_every, "iterations between sample grids")->capture_default_str();
  cmd->add_option("--checkpoint-every", c.checkpoint_every, "iterations between checkpoints")->capture_default_str();
  cmd->add_option("--limit", o->limit, "use only the first N data images (0: all); kept in config.json for --resume")->check(count_check());
  cmd->add_option("--eval-every", o->eval_every, "iterations between FD evaluations that keep checkpoints/best.safetensors "
                                                 "(default: 250 when the bundled Fashion-MNIST feature net applies, else 0)");
  cmd->add_option("--eval-n", c.eval_n, "samples per evaluation")->capture_default_str();
  cmd->add_option("--eval-features", c.eval_features, "feature net for the evaluation (default: the bundled one)");
  cmd->add_option("--long-run-every", c.long_run_every,
                  "every N iterations continue --long-run-chains chains of their own noise stream to --long-run-steps "
                  "and log energy drift, saturation and FD at K and K2 to metrics.jsonl (event long_run; 0: never)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--long-run-steps", c.long_run_steps, "K2 of the --long-run-every runs (> --steps)")->capture_default_str();
  cmd->add_option("--long-run-chains", c.long_run_chains, "chains of the --long-run-every runs")->capture_default_str();
  cmd->add_option("--init-weights", c.init_weights,
                  "start from the weights of this native checkpoint (same architecture; fresh optimiser state)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("!--no-watchdog", c.watchdog, "do not roll back when training diverges");
  cmd->add_option("--watch-gap", c.watch_gap, "|f(data) - f(samples)| that counts as runaway (toy default " +
                                                short_number(Toy2dSettings().watch_gap) + ")")->capture_default_str();
  cmd->add_option("--watch-patience", c.watch_patience, "runaway logged iterations in a row before a rollback")->capture_default_str();
  cmd->add_option("--rollback-lr-factor", c.rollback_lr_factor, "learning-rate factor applied at each rollback")->capture_default_str();
  toy->watch_gap = cmd->get_option("--watch-gap");
  toy->watch_patience = cmd->get_option("--watch-patience");
  toy->rollback_lr_factor = cmd->get_option("--rollback-lr-factor");
  add_runtime_options(*cmd, o->rt);
  add_data_parallel_options(*cmd, o->dp);
  cmd->add_option("--model", o->model, "ebm (the paper's energy model) | vae | gan (DCGAN): the baselines of its Table 1")
      ->capture_default_str()->check(CLI::IsMember({"ebm", "vae", "gan"}));
  add_baseline_train_options(*cmd, o->baseline);
  // The settings that shape a run: fixed when it starts (config.json), so --resume refuses them
  // rather than ignore them. (--limit may be given again if it equals the stored one.)
  std::vector<CLI::Option*> shaping;
  for (const char* name : {"--data", "--steps", "--step-size", "--noise", "--clamp", "--batch", "--lr", "--data-noise", "--nf",
                           "--arch", "--activation", "--image-size", "--seed", "--log-every", "--sample-every",
                           "--checkpoint-every", "--no-watchdog", "--watch-gap", "--watch-patience", "--rollback-lr-factor",
                           "--energy-l2", "--init", "--buffer", "--reinit", "--ema", "--long-run-every", "--long-run-steps",
                           "--long-run-chains", "--leak", "--preset"})
    shaping.push_back(cmd->get_option(name));
  CLI::Option* limit_opt = cmd->get_option("--limit");
  cmd->callback([o, iters_opt, schedule_opt, toy, shaping, limit_opt, cmd] {
    if ((o->dp.nproc > 1 || cmd->get_option("--backend")->count()) && (o->model != "ebm" || o->cfg.data.rfind("toy:", 0) == 0))
      throw CLI::ValidationError("--nproc", "data-parallel training is for the energy model on images (not --model vae/gan or toy: data)");
    if (run_baseline_training_if_asked(*cmd, o->model, o->out, o->resume, o->baseline, o->rt)) return;
    if (o->out.empty() == o->resume.empty() && !(o->print_config && o->resume.empty()))
      throw CLI::ValidationError("train", "give exactly one of --out RUN_DIR or --resume RUN_DIR");
    std::optional<int64_t> stored_limit;  // a resumed run's --limit, if its config.json records one
    if (!o->resume.empty()) {
      for (CLI::Option* opt : shaping)
        if (opt->count())
          throw CLI::ValidationError(opt->get_name(), "shapes the run and is fixed when it starts; --resume continues with " +
                                                          o->resume + "/config.json's setting (start a new run to change it)");
      stored_limit = recorded_limit(o->resume);
      if (limit_opt->count() && stored_limit && *stored_limit != o->limit)
        throw CLI::ValidationError("--limit", "this run trains on --limit " + std::to_string(*stored_limit) + " (" + o->resume +
                                                  "/config.json); --resume keeps it (start a new run to change it)");
    }
    // config.json records these names for --resume, and JSON holds UTF-8 only: refused up front.
    // (--out is not recorded: the paths above are stored relative to it.)
    for (const auto& [flag, name] : {std::pair<const char*, const std::string*>{"--data", &o->cfg.data},
                                     {"--init-weights", &o->cfg.init_weights}, {"--eval-features", &o->cfg.eval_features}})
      if (!is_utf8(*name))
        throw file_error(*name, std::string("the name given to ") + flag + " is not UTF-8, which config.json (read by --resume) "
                                "cannot record; rename it");
    if (!o->resume.empty() && schedule_opt->count())
      throw CLI::ValidationError("--lr-schedule", "is fixed when a run starts; a resumed run keeps the one in its checkpoint");
    if (schedule_opt->count()) o->cfg.lr_schedule = LrSchedule::parse(o->lr_schedule);
    if (o->cfg.data.rfind("toy:", 0) == 0 && !o->cfg.init_weights.empty())
      throw CLI::ValidationError("--init-weights", "is for image models; the 2-D playground starts from random weights");
    if (!o->resume.empty() && !o->cfg.init_weights.empty())
      throw CLI::ValidationError("--init-weights", "starts a new run; a resumed run continues from its own checkpoint");
    if (o->resume.empty() && o->cfg.data.rfind("toy:", 0) == 0) {
      // The 2-D playground: its own trainer and run directory (no resume).
      for (const char* name : {"--init", "--buffer", "--reinit", "--ema", "--long-run-every", "--long-run-steps", "--long-run-chains",
                               "--leak", "--preset"})
        if (cmd_option(shaping, name)->count())
          throw CLI::ValidationError(name, "is for image training; the 2-D playground has its own recipe (chains from uniform noise, "
                                           "no EMA, no long-run checks, smooth activations)");
      if (o->print_config) throw CLI::ValidationError("--print-config", "is for image training; the 2-D playground's settings are printed when it starts");
      const TrainerConfig& c = o->cfg;
      ToyTrainRequest q;
      q.config.target = c.data.substr(4);
      q.config.seed = c.seed;
      q.out = o->out;
      q.iters = iters_opt->count() ? c.iters : 2000;
      Toy2dSettings& s = q.settings;
      if (toy->steps->count()) s.steps = c.sampler.steps;
      if (toy->step_size->count()) s.step_size = c.sampler.step_size;
      if (toy->noise->count()) s.noise_std = c.sampler.noise_std;
      if (toy->batch->count()) s.batch = c.batch;
      if (toy->lr->count()) s.lr = c.lr;
      if (toy->data_noise->count()) s.data_noise = c.data_noise;
      if (toy->log_every->count()) s.log_every = c.log_every;
      if (toy->energy_l2->count()) s.energy_l2 = toy->energy_l2_value;
      // The watchdog: on unless --no-watchdog; the toy's own defaults unless given.
      s.watchdog = c.watchdog;
      if (toy->watch_gap->count()) s.watch_gap = c.watch_gap;
      if (toy->watch_patience->count()) s.watch_patience = c.watch_patience;
      if (toy->rollback_lr_factor->count()) s.rollback_lr_factor = c.rollback_lr_factor;
      if (toy->activation->count()) {
        if (c.arch.activation != "silu" && c.arch.activation != "softplus")
          throw CLI::ValidationError("--activation", "the 2-D playground's energy needs a smooth activation: silu or softplus");
        q.config.activation = c.arch.activation;
      }
      if (schedule_opt->count() && o->cfg.lr_schedule.kind != "constant")
        throw CLI::ValidationError("--lr-schedule", "is for image training; the 2-D playground uses a constant rate");
      if (o->rt.threads == 0) o->rt.threads = 1;  // tiny matrices: one thread is fastest
      apply_runtime(o->rt);
      q.threads = torch::get_num_threads();
      bool stopped = false;
      {
        const Interrupt interrupt;  // Ctrl+C ends the run cleanly
        run_toy_training(q, interrupt.flag());
        stopped = interrupt.raised();
      }
      if (stopped) std::exit(130);
      return;
    }
    if (o->print_config && !o->resume.empty())
      throw CLI::ValidationError("--print-config", "shows a new run's settings; a run's own are in " + o->resume + "/config.json");
    // --nproc N: this process only starts the N ranks and waits for them.
    if (!o->print_config)
      if (const int status = launch_local_workers(o->dp, o->rt.threads); status >= 0) {
        if (status != 0) throw ExitStatus{status};
        return;
      }
    // Under torchrun/srun (or as one of --nproc's ranks): join the group; rank 0 writes the run.
    const std::unique_ptr<DistGroup> group = o->print_config ? nullptr : join_data_parallel(o->dp, o->rt.device == "cuda");
    const ActiveGroupScope active(group.get());
    const bool writer = !group || group->rank() == 0;
    if (!o->print_config && o->resume.empty() && writer) check_new_run_directory(o->out, RunKind::kImage);  // before the data is read
    const torch::Device device = apply_runtime(o->rt);
    if (o->resume.empty()) {
      TrainerConfig& c = o->cfg;
      c.limit = o->limit;
      c.energy_l2 = toy->energy_l2_value;
      if (!o->preset.empty())  // the preset's values, except for the switches typed on the command line
        apply_training_preset(find_training_preset(o->preset), c, [&](const std::string& flag) { return cmd->count(flag) > 0; });
      if (c.eval_features.empty() && c.data == "fashion-mnist" && c.arch.channels == 1 && c.arch.image_size == 32)
        c.eval_features = find_asset("fmnist_features.safetensors");
      c.eval_every = o->eval_every >= 0 ? o->eval_every : (c.eval_features.empty() ? 0 : 250);
      c.validate();  // bad settings (--reinit 2, --buffer 0, --ema 1.5) before any data is read
      if (o->print_config) {
        nlohmann::json j = c;
        std::cout << j.dump(2) << std::endl;
        return;
      }
    }
    // A new run reads its data before it creates anything: bad data leaves no run directory.
    Dataset fresh_data;
    if (o->resume.empty()) {
      DataOptions d;
      d.image_size = o->cfg.arch.image_size;
      d.limit = o->cfg.limit;
      fresh_data = load_dataset(o->cfg.data, d);
    }
    {
      // No file of the run may be one of its inputs (a hard link or symlink to --init-weights, say).
      const std::string dir = o->resume.empty() ? o->out : o->resume;
      std::vector<NamedPath> outputs, inputs;
      for (const char* f : {"/config.json", "/metrics.jsonl", "/model.safetensors", "/checkpoints/latest.safetensors",
                            "/checkpoints/latest.1.safetensors", "/checkpoints/latest.2.safetensors", "/checkpoints/best.safetensors"}) {
        outputs.push_back({"the run's " + std::string(f + 1), dir + f});
        for (const char* what : {"ema", "buffer"})  // the files saved beside a checkpoint
          outputs.push_back({"the run's " + companion_path(f + 1, what), companion_path(dir + f, what)});
      }
      inputs.push_back({"--init-weights", o->cfg.init_weights});
      inputs.push_back({"--eval-features", o->cfg.eval_features});
      if (o->cfg.data.rfind("idx:", 0) == 0) inputs.push_back({"--data", o->cfg.data.substr(4)});
      check_outputs_apart(outputs, inputs);
    }
    Trainer trainer = o->resume.empty() ? Trainer(o->cfg, o->out, device) : Trainer::resume(o->resume, device);
    if (!o->resume.empty() && limit_opt->count() && !stored_limit) trainer.set_limit(o->limit);  // a run from before limits were kept
    if (!o->resume.empty() && iters_opt->count()) trainer.set_iters(o->cfg.iters);
    if (!o->resume.empty() && o->eval_every >= 0) {
      // Evaluation can be switched on (or off) for the rest of a resumed run.
      std::string feat = o->cfg.eval_features.empty() ? trainer.config().eval_features : o->cfg.eval_features;
      if (feat.empty()) feat = find_asset("fmnist_features.safetensors");
      trainer.set_evaluation(o->eval_every, o->cfg.eval_n, feat);
    }
    if (const char* at = std::getenv("SHORTRUN_TEST_NONFINITE_AT")) trainer.inject_nonfinite_at(std::atoll(at));
    const TrainerConfig& cfg = trainer.config();
    const std::string dir = o->resume.empty() ? o->out : o->resume;

    const Dataset data = o->resume.empty() ? std::move(fresh_data) : [&] {
      DataOptions d;
      d.image_size = cfg.arch.image_size;
      d.limit = cfg.limit;  // the run's own (config.json), not all images
      return load_dataset(cfg.data, d);
    }();
    if (writer) std::cout << (group ? "rank 0 of " + std::to_string(group->world()) + ": " : std::string())
              << (o->resume.empty() ? "training " : "resuming at iteration " + std::to_string(trainer.iteration()) + ": ")
              << cfg.arch.summary() << " on " << data.description << "; K=" << cfg.sampler.steps
              << " step=" << cfg.sampler.step_size << " noise=" << cfg.sampler.noise_std << " batch=" << cfg.batch
              << " lr=" << cfg.lr << (cfg.lr_schedule.kind == "constant" ? "" : " (" + cfg.lr_schedule.spec() + ")")
              << (cfg.init == "uniform" ? "" : " init=" + cfg.init)
              << (cfg.init == "persistent" ? " (buffer " + std::to_string(cfg.buffer) + ", reinit " + short_number(cfg.reinit) + ")" : "")
              << (cfg.ema > 0 ? " ema=" + short_number(cfg.ema) : "")
              << (cfg.long_run_every > 0 ? " long-run every " + std::to_string(cfg.long_run_every) + " to K2=" +
                                               std::to_string(cfg.long_run_steps) + " (" + std::to_string(cfg.long_run_chains) + " chains)"
                                         : "")
              << " -> " << dir << " (" << device << ", " << torch::get_num_threads() << " threads)"
              << std::endl;

    const bool tty = isatty(STDOUT_FILENO);
    int64_t done = 0;
    bool stopped = false;
    const auto t_run = std::chrono::steady_clock::now();
    {
      const Interrupt interrupt;  // Ctrl+C: a checkpoint of the last finished iteration, resumable
      done = trainer.run(data, interrupt.flag(), [tty, writer](const TrainProgress& p) {
        if (writer) report(p, tty);
      });
      stopped = interrupt.raised();
    }
    if (tty && writer) std::printf("\n");
    if (group && writer) {
      // The communication share (waiting for the slowest rank included): BENCHMARKS.md's figure.
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run).count();
      std::printf("data-parallel: %d ranks; rank 0 spent %.2f s of %.2f s in collectives (%.1f%%)\n", group->world(),
                  group->comm_seconds(), wall, wall > 0 ? 100.0 * group->comm_seconds() / wall : 0.0);
    }
    if (writer) std::cout << (stopped ? "interrupted; saved" : "done;") << " iteration " << done << " -> "
              << trainer.latest_checkpoint() << " and " << dir << "/model.safetensors" << std::endl;
    if (stopped) std::exit(130);
  });
}

}  // namespace shortrun::cli

// `shortrun train-features` (the evaluation feature net) and `shortrun eval` (FD in that
// feature space with its floor and ceiling, energies, saturation, memorisation check).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "baseline_options.h"
#include "cli_common.h"
#include "data_parallel_launch.h"
#include "eval_run.h"
#include "shortrun/distributed/launch_env.h"
#include "model_comparison.h"
#include "shortrun/baselines/baseline_checkpoint.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/file_util.h"
#include "shortrun/training/evaluation.h"
#include "shortrun/training/features.h"
#include "shortrun/training/long_run_health.h"
#include "view_support.h"

namespace shortrun::cli {

namespace {
void print_table(const nlohmann::json& j) {
  const auto num = [&](const char* k) { return j.at(k).get<double>(); };
  std::fprintf(stderr, "\n  %-34s %10.3f\n", "FD samples vs test", num("fd"));
  std::fprintf(stderr, "  %-34s %10.3f\n", "FD train vs test (floor)", num("fd_floor_train"));
  std::fprintf(stderr, "  %-34s %10.3f\n", "FD uniform noise vs test (ceiling)", num("fd_ceiling_noise"));
  std::fprintf(stderr, "  %-34s %10.4f\n", "(FD - floor) / (ceiling - floor)", num("fd_relative"));
  std::fprintf(stderr, "  %-34s %10.3f / %.3f\n", "mean f: data / samples", num("energy_data"), num("energy_samples"));
  std::fprintf(stderr, "  %-34s %10.4f (data %.4f)\n", "saturated pixels |x| >= 0.99", num("saturated_fraction"),
               num("saturated_fraction_data"));
  if (j.contains("nearest_train_l2"))
    std::fprintf(stderr, "  %-34s %10.3f (test images %.3f)\n", "nearest training image, L2",
                 j["nearest_train_l2"]["samples_mean"].get<double>(), j["nearest_train_l2"]["test_mean"].get<double>());
  if (j.contains("long_run")) {
    const nlohmann::json& l = j["long_run"];
    const auto v = [&](const char* k) { return l[k].is_number() ? l[k].get<double>() : NAN; };
    std::fprintf(stderr, "  long run: K=%lld -> K2=%lld, %lld chains (%.1f s)\n", static_cast<long long>(l["k"].get<int64_t>()),
                 static_cast<long long>(l["k2"].get<int64_t>()), static_cast<long long>(l["chains"].get<int64_t>()), v("seconds"));
    std::fprintf(stderr, "  %-34s %10.3f -> %.3f\n", "FD samples vs test at K -> K2", v("fd_short"), v("fd_long"));
    std::fprintf(stderr, "  %-34s %10.3f -> %.3f\n", "mean f at K -> K2", v("energy_short"), v("energy_long"));
    std::fprintf(stderr, "  %-34s %10.3f (p10 %.3f, p90 %.3f)\n", "energy drift f(x_K2) - f(x_K)", v("drift"), v("drift_p10"),
                 v("drift_p90"));
    std::fprintf(stderr, "  %-34s %10.4f -> %.4f\n", "saturated pixels at K -> K2", v("saturated_short"), v("saturated_long"));
  }
  std::fprintf(stderr, "  %-34s %10.1f s\n\n", "time", num("seconds"));
}
}  // namespace

void add_train_features_command(CLI::App& app) {
  struct Options {
    std::string data = "fashion-mnist", out;
    int64_t limit = 0;
    FeatureTrainConfig cfg;
    RuntimeOptions rt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("train-features", "Train the small classifier whose penultimate layer is eval's feature space");
  cmd->add_option("--data", o->data, "labelled data: fashion-mnist")->capture_default_str()->check(CLI::IsMember({"fashion-mnist"}));
  cmd->add_option("--out", o->out, "output .safetensors")->required();
  cmd->add_option("--epochs", o->cfg.epochs, "passes over the training split")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--seed", o->cfg.seed, "initialisation and shuffling seed")->capture_default_str()->check(seed_check());
  cmd->add_option("--limit", o->limit, "use only the first N training images (0: all)")->check(count_check());
  add_runtime_options(*cmd, o->rt);
  cmd->callback([o] {
    apply_runtime(o->rt);
    DataOptions d;
    d.split = "train";
    d.limit = o->limit;
    const Dataset train = load_dataset(o->data, d);
    d.split = "test";
    const Dataset test = load_dataset(o->data, d);
    const FeatureTrainResult r = train_feature_net(
        train.images, fashion_mnist_labels("train").narrow(0, 0, train.images.size(0)), test.images, fashion_mnist_labels("test"), o->cfg, o->out,
        train.description, [&](int64_t epoch, double loss, double acc) {
          std::fprintf(stderr, "train-features: epoch %lld/%lld  loss %.4f  test accuracy %.4f\n", static_cast<long long>(epoch),
                       static_cast<long long>(o->cfg.epochs), loss, acc);
        });
    std::printf("%s: test accuracy %.4f after %lld epochs (%.0f s)\n", o->out.c_str(), r.test_accuracy,
                static_cast<long long>(o->cfg.epochs), r.seconds);
    if (r.test_accuracy < 0.9)
      std::fprintf(stderr, "train-features: warning: test accuracy below 0.90; try more --epochs\n");
  });
}

namespace {
// What a VAE or GAN's evaluation cannot take: the chain's flags, the long run, raw/EMA weights
// and the memorisation distances (compare-models' protocol has none of them).
std::vector<std::string> eval_ebm_only_flags() {
  std::vector<std::string> flags = chain_only_flags();
  for (const char* f : {"--long-run", "--weights", "--no-memorisation"}) flags.emplace_back(f);
  return flags;
}
}  // namespace

void add_eval_command(CLI::App& app) {
  struct Options {
    std::string model, data = "fashion-mnist", features, json_out, weights, check;
    EvalOptions eval;
    int64_t long_run = 0;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
    DataParallelOptions dp;  // --nproc, --backend, --dist-timeout (issue 27)
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("eval", "FD of N short-run samples vs the test split in a learned feature space (one JSON object "
                                             "with its protocol); --check re-runs a recorded one");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--data", o->data, "fashion-mnist | idx:PATH | cifar10:DIR (train and test splits)")->capture_default_str();
  cmd->add_option("--n", o->eval.n, "samples, test images and training images compared")->capture_default_str()->check(CLI::Range(2, 100000));
  cmd->add_option("--features", o->features, "feature net (.safetensors from train-features) or TorchScript module "
                                              "(default: the bundled assets/fmnist_features.safetensors)");
  cmd->add_option("--json", o->json_out, "also write the JSON object to this file");
  cmd->add_flag("!--no-memorisation", o->eval.memorisation, "skip the nearest-training-image distances");
  cmd->add_option("--check", o->check, "re-run the evaluation recorded in this JSON file with its protocol and report per metric "
                                        "whether it reproduces (exit 0 yes, 1 no, 2 bad input); takes only --threads, --device, "
                                        "--trust-code (default: the recorded threads and device)");
  cmd->add_option("--long-run", o->long_run, "also continue the N chains from x_K to K2 steps (same sampler and noise) and report "
                                             "FD at K2, energy drift f(x_K2) - f(x_K) and saturation at K and K2 (recorded in the "
                                             "protocol)")
      ->check(CLI::Range(int64_t(1), kMaxLongRunSteps));
  o->sampler.add(*cmd);
  add_weights_option(*cmd, o->weights);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  add_data_parallel_options(*cmd, o->dp);
  mark_ebm_only(*cmd, eval_ebm_only_flags());
  cmd->callback([o, cmd] {
    if (!o->check.empty()) {
      if (launch_env_from_environment().world > 1)
        throw Error("eval --check re-runs a recorded evaluation in one process; start it without a launcher (RANK/WORLD_SIZE "
                    "or SLURM_PROCID are set)");
      for (const CLI::Option* opt : cmd->get_options())
        if (opt->count() > 0 && opt->get_name() != "--check" && opt->get_name() != "--threads" && opt->get_name() != "--device" &&
            opt->get_name() != "--trust-code" && opt->get_name() != "--help")
          throw CLI::ValidationError("--check", "re-runs the recorded protocol as it is; " + opt->get_name() + " cannot change it");
      std::optional<int> threads;
      std::optional<std::string> device;
      if (cmd->count("--threads")) threads = o->rt.threads;
      if (cmd->count("--device")) device = o->rt.device;
      const int rc = check_evaluation(o->check, threads, device, o->mo);
      if (rc != 0) throw ExitStatus{rc};
      return;
    }
    check_outputs({{"--json", o->json_out}}, {model_input("--model", o->model), {"--features", o->features}, data_input(o->data)});
    const std::string path = resolve_model_path(o->model);
    const bool baseline = is_baseline_file(path);
    if (o->dp.nproc > 1 && (baseline || o->long_run > 0))
      throw CLI::ValidationError("--nproc", std::string(baseline ? "a VAE or GAN's evaluation" : "--long-run") +
                                                " is not split over ranks; evaluate in one process");
    // --nproc N: this process only starts the N ranks and waits for them (issue 27).
    if (const int status = launch_local_workers(o->dp, o->rt.threads, &std::cerr); status >= 0) {  // stdout: the JSON
      if (status != 0) throw ExitStatus{status};
      return;
    }
    // Under torchrun/srun (or as one of --nproc's ranks): the chains are split over the ranks.
    const std::unique_ptr<DistGroup> group = join_data_parallel(o->dp, o->rt.device == "cuda");
    if (group && baseline) throw Error(group->who() + ": a VAE or GAN's evaluation is not split over ranks; evaluate in one process");
    if (baseline) {
      // A VAE or GAN (issue 26): its row under compare-models' protocol (FD of --n samples, reconstruction MSE).
      // The file is read for its kind only when a flag is refused (evaluate_under_protocol reads it).
      refuse_ebm_only_flags(*cmd, eval_ebm_only_flags(), path,
                            [&path] { return load_baseline_checkpoint(path, torch::kCPU).model->kind_name(); });
      ComparisonOptions c;
      c.seed = baseline_seed(o->sampler);
      c.n_fd = o->eval.n;
      c.n_recon = std::min<int64_t>(c.n_recon, o->eval.n);
      const nlohmann::json j = evaluate_under_protocol(path, o->data, o->features, c, apply_runtime(o->rt));
      std::cout << json_text(j) << std::endl;
      if (!o->json_out.empty()) write_file_atomic(o->json_out, [&](std::ostream& out) { out << json_text(j, 2) << "\n"; });
      return;
    }
    EvalRequest r;
    r.model = o->model;
    r.weights = o->weights;
    r.data = o->data;
    r.features = o->features;
    r.eval = o->eval;
    r.overrides = &o->sampler;
    r.rt = o->rt;
    r.mo = o->mo;
    r.long_run = o->long_run;
    r.group = group.get();
    nlohmann::json j;
    {
      // --long-run: Ctrl+C stops the long run between two steps and nothing is written (a plain
      // evaluation keeps the default: Ctrl+C ends it at once).
      std::optional<Interrupt> interrupt;
      if (r.long_run > 0) {
        interrupt.emplace();
        r.cancel = interrupt->flag();
      }
      try {
        j = run_evaluation(r);
      } catch (const EvalInterrupted& e) {
        exit_interrupted("eval --long-run " + std::to_string(e.k2));
      }
      if (interrupt && interrupt->raised()) exit_interrupted("eval --long-run " + std::to_string(r.long_run));
    }
    if (j.is_null()) return;  // a rank other than 0: rank 0 reports
    if (isatty(STDERR_FILENO)) print_table(j);
    std::cout << json_text(j) << std::endl;
    if (!o->json_out.empty())
      write_file_atomic(o->json_out, [&](std::ostream& out) { out << json_text(j, 2) << "\n"; });
  });
}

}  // namespace shortrun::cli

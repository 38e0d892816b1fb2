// `shortrun train --data toy:NAME`: trains the playground's MLP energy on a toy density and writes
// the run directory; the picture shows target | learned exp(f) | short-run | long-run particles.
#include "cmd_train_toy.h"
#include "shortrun/base/printable.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/run_directory.h"
#include "shortrun/io/run_lock.h"

namespace shortrun::cli {
namespace fs = std::filesystem;

void run_toy_training(const ToyTrainRequest& q, const std::atomic<bool>* stop) {
  Toy2dTrainer trainer(q.config, q.settings);  // validates everything before the directory exists
  check_new_run_directory(q.out, RunKind::kToy);  // never into a folder of the user's
  std::error_code ec;
  fs::create_directories(q.out, ec);
  if (ec || !fs::is_directory(q.out)) throw file_error(q.out, "cannot create the run directory (" + ec.message() + ")");
  RunLock lock(q.out);
  if (file_exists(q.out + "/settings.json") || file_exists(q.out + "/config.json"))
    throw file_error(q.out, "already holds a run; choose another --out");
  const std::string command = toy_reproducing_command(q);
  const nlohmann::json settings = toy_settings_json(q);
  write_file_atomic(q.out + "/settings.json", [&](std::ostream& o) { o << json_text(settings, 2) << "\n"; });
  std::ofstream(q.out + "/metrics.jsonl", std::ios::trunc);
  std::cout << "training the 2-D playground on toy:" << q.config.target << " (MLP 2-" << q.config.hidden << "-" << q.config.hidden
            << "-1, " << q.config.activation << "); K=" << q.settings.steps << " step=" << q.settings.step_size
            << " noise=" << q.settings.noise_std << " batch=" << q.settings.batch << " lr=" << q.settings.lr << " -> " << q.out
            << std::endl;

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto on_rollback = [&](const Toy2dRollback& r) {
    const double wall = std::chrono::duration<double>(clock::now() - t0).count();
    std::ofstream(q.out + "/metrics.jsonl", std::ios::app) << json_text(toy_rollback_json(r, wall)) << "\n";
    std::printf("rollback %lld/%lld at iteration %lld: %s; back to iteration %lld with lr %g\n",
                static_cast<long long>(r.rollbacks), static_cast<long long>(q.settings.max_rollbacks),
                static_cast<long long>(r.iteration), r.reason.c_str(), static_cast<long long>(r.to_iteration), r.lr);
    std::fflush(stdout);
  };
  int64_t done = 0;  // iterations run, rolled-back ones included
  while (trainer.iteration() < q.iters && !(stop && stop->load())) {
    done += trainer.step(std::min<int64_t>(q.settings.log_every, q.iters - trainer.iteration()), stop, [&](const Toy2dLog& l) {
      const double wall = std::chrono::duration<double>(clock::now() - t0).count();
      const nlohmann::json m = toy_metrics_json(l, wall);
      std::ofstream(q.out + "/metrics.jsonl", std::ios::app) << json_text(m) << "\n";
      std::printf("iter %6lld/%lld  gap %+9.4f  |grad f| %8.4f  KL %7.4f  MMD %.5f  %7.1f it/s\n",
                  static_cast<long long>(l.iteration), static_cast<long long>(q.iters), l.gap, l.grad_norm, l.kl, l.mmd,
                  l.its_per_s);
      std::fflush(stdout);
    }, on_rollback);
  }
  const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
  trainer.save(q.out + "/model.safetensors");
  if (trainer.best_iteration() >= 0) trainer.save_best(q.out + "/best.safetensors");
  write_toy_playground_png(trainer, q.out + "/playground.png");
  std::printf("%s %lld iterations in %.1f s (%.1f it/s) -> %s/{metrics.jsonl,playground.png,model.safetensors,%ssettings.json}\n",
              stop && stop->load() ? "interrupted after" : "done:", static_cast<long long>(trainer.iteration()), seconds,
              seconds > 0 ? double(done) / seconds : 0.0, q.out.c_str(), trainer.best_iteration() >= 0 ? "best.safetensors," : "");
  if (!trainer.history().empty() && trainer.best_iteration() >= 0)
    std::printf("last KL %.4f at iteration %lld; best KL %.4f at iteration %lld (best.safetensors)%s\n", trainer.history().back().kl,
                static_cast<long long>(trainer.history().back().iteration), trainer.best_kl(),
                static_cast<long long>(trainer.best_iteration()),
                trainer.rollbacks() ? (", " + std::to_string(trainer.rollbacks()) + " watchdog rollback(s)").c_str() : "");
  std::printf("reproduce: %s\n", command.c_str());
}

}  // namespace shortrun::cli

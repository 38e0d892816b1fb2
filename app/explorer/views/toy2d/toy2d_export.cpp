// Writing the 2-D playground's run directory (see toy2d_export.h).
#include "views/toy2d/toy2d_export.h"

#include <filesystem>

#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/safetensors.h"
#include "toy_run.h"

namespace shortrun::explorer {

namespace {
namespace fs = std::filesystem;

// The weights of a run continued from a file, as Toy2dTrainer::save writes them but with the
// iteration counted from the file's.
void save_continued(Toy2dTrainer& trainer, const std::string& path, const Toy2dConfig& config, int64_t iteration) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : trainer.energy()->named_parameters()) tensors.emplace_back(p.key(), p.value().detach().contiguous());
  const nlohmann::json meta = {{"config", config}, {"settings", trainer.settings()}, {"iteration", iteration}};
  write_safetensors(path, tensors, {{"format", "shortrun-toy2d"}, {"shortrun_toy2d", json_text(meta)}});
}
}  // namespace

Toy2dExportResult write_toy2d_export(Toy2dTrainer& trainer, const Toy2dRunFacts& facts, const std::string& dir) {
  Toy2dExportResult r;
  r.dir = dir;
  r.iteration = facts.base + trainer.iteration();
  r.reproducible = facts.reproducible;
  const Toy2dSettings shown = trainer.settings();
  try {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw file_error(dir, "cannot create the export folder (" + ec.message() + ")");
    const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
    cli::ToyTrainRequest q;
    q.config = trainer.config();
    q.settings = trainer.settings();
    q.settings.trail_chains = Toy2dSettings().trail_chains;  // display only; the CLI keeps its default
    q.iters = r.iteration;
    q.threads = torch::get_num_threads();
    q.out = abs_dir + "/reproduce";
    if (q.config.target.rfind("image:", 0) == 0) {  // a drawn or file target travels with the export
      const std::string copy = abs_dir + "/target.png";
      fs::copy_file(q.config.target.substr(6), copy, fs::copy_options::overwrite_existing);
      q.config.target = "image:" + copy;
    }
    r.command = cli::toy_reproducing_command(q);
    nlohmann::json settings = cli::toy_settings_json(q);
    if (!facts.loaded.empty())
      settings["note"] = "continued from " + facts.loaded + " (its iteration " + std::to_string(facts.base) +
                         ", Adam restarted there): the command trains from fresh weights and does not reproduce these";
    else if (!facts.reproducible)
      settings["note"] = "the settings changed at iteration " + std::to_string(facts.changed_at) +
                         ": the command trains with the current settings from the start and does not reproduce these weights";
    write_file_atomic(dir + "/settings.json", [&](std::ostream& o) { o << settings.dump(2) << "\n"; });
    write_file_atomic(dir + "/command.txt", [&](std::ostream& o) { o << r.command << "\n"; });
    write_file_atomic(dir + "/metrics.jsonl", [&](std::ostream& o) {
      const auto& h = trainer.history();
      for (size_t i = 0; i < h.size(); ++i) {
        Toy2dLog l = h[i];
        l.iteration += facts.base;  // counted from a loaded file's iteration
        o << cli::toy_metrics_json(l, i < facts.log_walls.size() ? facts.log_walls[i] : 0.0).dump() << "\n";
      }
    });
    // The weights file carries the settings: saved with the CLI's display default, as the CLI saves it.
    trainer.set_settings(q.settings);
    if (facts.loaded.empty()) trainer.save(dir + "/model.safetensors", &q.config);
    else save_continued(trainer, dir + "/model.safetensors", q.config, r.iteration);
    trainer.set_settings(shown);
    cli::write_toy_playground_png(trainer, dir + "/playground.png");
  } catch (const std::exception& e) {
    trainer.set_settings(shown);
    r.error = e.what();
  }
  return r;
}

}  // namespace shortrun::explorer

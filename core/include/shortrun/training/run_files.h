// The files of a training run directory, as the EBM trainer (trainer.h) and the VAE/GAN trainer
// (baselines/baseline_trainer.h) keep them: creating it and holding its lock (io/run_lock.h),
// config.json, metrics.jsonl (appended to, trimmed back on resume), and the checkpoint generations
// checkpoints/latest.safetensors, latest.1 and latest.2 (older): rotated before a new latest is
// written, and on resume or rollback the newest one that loads is taken, so one bad or truncated
// file never loses the run. What a checkpoint holds stays each trainer's own.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/base/error.h"
#include "shortrun/io/run_lock.h"

namespace shortrun {

// A checkpoint that is intact but belongs to another run: no older generation is tried.
struct NotThisRun : Error {
  using Error::Error;
};

class RunFiles {
 public:
  static constexpr int kGenerations = 3;

  RunFiles() = default;
  // writer = false (the data-parallel ranks other than 0): nothing is written and no lock taken.
  RunFiles(std::string dir, bool writer);

  const std::string& dir() const { return dir_; }
  bool writer() const { return writer_; }
  // Generation 0 is checkpoints/latest.safetensors, g > 0 checkpoints/latest.g.safetensors.
  std::string generation(int g) const;
  std::string latest() const { return generation(0); }

  // A new run: refuses a folder of the user's (io/run_directory.h) unless `known_run` (the caller
  // recognised the directory as one of its runs), creates samples/ and checkpoints/, takes the
  // lock, refuses a directory that holds a run already, writes `config` as config.json and starts
  // an empty metrics.jsonl.
  void create(const nlohmann::json& config, bool known_run);
  // A resumed run: takes the lock.
  void reopen();

  void write_config(const nlohmann::json& config) const;  // config.json, atomically
  void log(const nlohmann::json& line) const;             // one line appended to metrics.jsonl

  // Drops the metrics.jsonl lines of iterations after `iteration` (they will run again) and a
  // "partial" last line that is not of iteration `iters` (a shorter run's); lines cut short by a
  // kill go too. Returns the largest wall_s kept and whether a checkpoint event of `iteration` is.
  struct Trimmed {
    double wall_s = 0;
    bool checkpoint_logged = false;
  };
  Trimmed trim_metrics(int64_t iteration, int64_t iters) const;

  // Before a new generation 0 is written to `path`: when `path` is generation 0 and exists, the
  // generations move one older (the oldest drops), each with its companion files
  // (companion_path(., what) of model/weights_choice.h) for every `what` in `companions`.
  void rotate(const std::string& path, const std::vector<std::string>& companions = {}) const;

  // Calls restore(path) on the existing generations, newest first, starting `first` steps back
  // (never past the oldest), until one does not throw; returns its path. An Error moves on to the
  // next older one (and, when a later one loads, adds a warning naming what failed); NotThisRun
  // is passed on at once. Throws when none loads.
  std::string restore_newest(int first, const std::function<void(const std::string&)>& restore,
                             std::vector<std::string>& warnings) const;

 private:
  std::string dir_;
  bool writer_ = true;
  RunLock lock_;
};

// Reads DIR/config.json and hands it to `parse` (which fills the caller's configuration); a
// missing file, bad JSON or an Error from `parse` is one Error naming the file.
void read_run_config(const std::string& dir, const std::function<void(const nlohmann::json&)>& parse);

// The warning for a run resumed with another intra-op thread count than it was trained with (""
// when the count is the same or unknown, trained = 0). `why` goes before "it will not match".
std::string thread_count_warning(int64_t trained, const std::string& why = "");

}  // namespace shortrun

// The Training tab's "replay buffer" section for a persistent run (train --init persistent): a
// grid of buffer chains from the newest checkpoint generation's X.buffer.safetensors, their f
// under the weights saved with them (a views' job: progress in the job list, a stop), the age
// histogram, and the buffer's mean age and re-initialisations over iterations from metrics.jsonl.
// Part of the Training view (its controls and state go through it).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "display/image_grid.h"
#include "views/run_data/run_watch.h"
#include "views/training/buffer_job.h"
#include "views/training/health_plots.h"
#include "views/view.h"

namespace shortrun::explorer {

class BufferPanel {
 public:
  static constexpr int kMaxShown = 64;  // chains in the grid
  // Every frame: takes the job's results, uploads the grid; reads the buffer again when `shown`
  // (the section is on screen) and the newest buffer file changed.
  void update(ViewContext& ctx, const RunSnapshot* run, bool shown);
  void draw(ViewContext& ctx, const RunSnapshot& run, const HealthPlots& health, const PlotSpec& iteration_axis);
  // Reads (and scores) the newest buffer file now.
  void read(ViewContext& ctx, const RunSnapshot* run);
  void set_order(const std::string& order);  // slot | oldest | youngest | highest_f | lowest_f
  void reset();                              // detached: nothing shown, a running job's result dropped
  bool busy() const;                         // a read or score is running or not yet taken
  bool due(const RunSnapshot* run) const;    // the run's newest buffer file has not been asked for yet
  nlohmann::json state() const;
  void release_gl() { grid_.release(); grid_key_ = 0; }

 private:
  std::vector<int> order_of_tiles() const;  // tile t shows shown-chain order[t]
  void upload(ViewContext& ctx);

  SlotWatch<BufferContents> contents_watch_;
  SlotWatch<BufferEnergies> energies_watch_;
  std::shared_ptr<const BufferContents> contents_;
  std::shared_ptr<const BufferEnergies> energies_;
  std::string error_, energies_error_;
  std::string requested_key_;  // path|bytes|mtime of the buffer file last asked for
  bool requested_ = false;     // a job was posted and its read not taken yet
  std::string order_ = "slot";
  AgeHistogram ages_;
  ImageGrid grid_;
  uint64_t grid_key_ = 0, contents_version_ = 0;
  int hovered_ = -1;
};

// The newest checkpoint generation's buffer file in a run's checkpoint list (null: none).
const CheckpointInfo* newest_buffer_file(const std::vector<CheckpointInfo>& checkpoints);

}  // namespace shortrun::explorer

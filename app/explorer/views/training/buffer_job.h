// The Training tab's replay-buffer view, torch side: read a persistent run's buffer file
// (checkpoints/X.buffer.safetensors, with core's safetensors reader; anything unexpected is one
// line naming the file), hand the UI a few of its chains and all of their ages, then score every
// chain's f under the weights of the checkpoint it was saved with (X.safetensors), in batches, with
// progress and a stop. Plain data for the UI: it never sees a tensor.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "worker/snapshots.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ViewJobs;

// What was read: the chains shown in the grid and everything about ages.
struct BufferContents {
  std::string path;            // the buffer file
  std::string weights;         // the checkpoint beside it (whose weights score the chains)
  int64_t size = 0;            // chains in the buffer
  ImageShape shape;            // n = shown.size()
  std::vector<int64_t> shown;  // buffer slots in the grid (spread evenly over the buffer)
  std::vector<float> images;   // their states, NHWC in [-1, 1]
  std::vector<int64_t> ages;   // every chain's age (K-step runs since its (re-)initialisation)
  int64_t reinit_total = 0;    // re-initialisations since the run began (stored in the file)
};

// f of every chain (in slot order), filled batch by batch; `done` chains have theirs.
struct BufferEnergies {
  std::string weights;
  std::vector<float> f;  // size = the buffer's size; NaN where not computed (stopped)
  int64_t done = 0;
  bool stopped = false;
};

struct AgeHistogram {
  int64_t first = 0, width = 1;  // bin b holds ages first + b*width .. first + (b+1)*width - 1
  std::vector<int64_t> counts;
  int64_t total() const;
};
// Ages in at most max_bins equal integer bins from the youngest to the oldest.
AgeHistogram age_histogram(const std::vector<int64_t>& ages, int max_bins = 40);

// Reads a buffer file and keeps at most `max_shown` chains' images; throws shortrun::Error naming
// the file when it is not a replay buffer (or not of `expected`'s C x H x W, when given).
BufferContents read_buffer_file(const std::string& path, int max_shown, const ImageShape* expected = nullptr);

// The weights a buffer file was saved with: checkpoints/X.buffer.safetensors -> checkpoints/X.safetensors.
std::string buffer_weights_path(const std::string& buffer_path);

// Posts the read-and-score job (kind "buffer", unit "chain"): `contents` gets the file's chains,
// then `energies` their f (a stop publishes what was done).
void post_buffer_job(ViewJobs& jobs, const std::string& path, int max_shown,
                     std::shared_ptr<ViewResultSlot<BufferContents>> contents,
                     std::shared_ptr<ViewResultSlot<BufferEnergies>> energies);

}  // namespace shortrun::explorer

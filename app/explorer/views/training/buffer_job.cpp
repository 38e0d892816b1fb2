// The replay-buffer view's torch side (buffer_job.h): the file read with core's safetensors
// reader and checked as core's ReplayBuffer::load checks it (without knowing the run's --buffer),
// a few chains copied out for the grid, and f of every chain under the checkpoint's weights.
#include "views/training/buffer_job.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include "shortrun/base/error.h"
#include "shortrun/base/runtime.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/model/energy_model.h"
#include "worker/host_copy.h"
#include "worker/view_jobs.h"

namespace shortrun::explorer {

namespace {
constexpr int64_t kScoreBatch = 64;  // chains per forward pass (the job checks its stop between batches)
const std::string kExt = ".safetensors", kBufferExt = ".buffer.safetensors";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

int64_t AgeHistogram::total() const {
  int64_t t = 0;
  for (int64_t c : counts) t += c;
  return t;
}

AgeHistogram age_histogram(const std::vector<int64_t>& ages, int max_bins) {
  AgeHistogram h;
  if (ages.empty()) return h;
  const auto [lo, hi] = std::minmax_element(ages.begin(), ages.end());
  const int64_t span = *hi - *lo + 1, bins = std::max(1, max_bins);
  h.first = *lo;
  h.width = (span + bins - 1) / bins;
  h.counts.assign(size_t((span + h.width - 1) / h.width), 0);
  for (int64_t a : ages) ++h.counts[size_t((a - h.first) / h.width)];
  return h;
}

std::string buffer_weights_path(const std::string& buffer_path) {
  if (!ends_with(buffer_path, kBufferExt)) return "";
  return buffer_path.substr(0, buffer_path.size() - kBufferExt.size()) + kExt;
}

namespace {
BufferContents parse_buffer(const SafetensorsFile& file, const std::string& path, int max_shown, const ImageShape* expected) {
  const auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "shortrun-replay-buffer")
    throw file_error(path, "is not a replay buffer (expected a .safetensors file with format 'shortrun-replay-buffer', "
                           "written by train --init persistent)");
  const torch::Tensor *x = file.find("states"), *age = file.find("ages"), *total = file.find("reinit_total");
  if (!x || !age || !total) throw file_error(path, "replay buffer lacks 'states', 'ages' or 'reinit_total'");
  if (x->dim() != 4 || x->scalar_type() != torch::kFloat32 || x->size(0) < 1)
    throw file_error(path, "replay buffer 'states' is not a float32 [N,C,H,W] tensor of at least one chain");
  const int64_t n = x->size(0);
  if (age->scalar_type() != torch::kInt64 || age->dim() != 1 || age->size(0) != n || total->scalar_type() != torch::kInt64 ||
      total->numel() != 1)
    throw file_error(path, "replay buffer tensors have the wrong dtype or shape (expected int64 ages [" + std::to_string(n) +
                               "] and an int64 count)");
  if (expected && (x->size(1) != expected->c || x->size(2) != expected->h || x->size(3) != expected->w)) {
    std::ostringstream have;
    have << x->sizes();
    throw file_error(path, "holds chains of shape " + have.str() + "; its checkpoint's images are " + std::to_string(expected->c) +
                               "x" + std::to_string(expected->h) + "x" + std::to_string(expected->w));
  }
  if (!torch::isfinite(*x).all().item<bool>()) throw file_error(path, "replay buffer states contain NaN or Inf");
  if (age->min().item<int64_t>() < 0) throw file_error(path, "replay buffer holds a negative age");
  BufferContents c;
  c.path = path;
  c.weights = buffer_weights_path(path);
  c.size = n;
  c.reinit_total = total->item<int64_t>();
  const int64_t shown = std::min<int64_t>(n, std::max(1, max_shown));
  for (int64_t i = 0; i < shown; ++i) c.shown.push_back(i * n / shown);
  const torch::Tensor picked = x->index_select(0, torch::tensor(c.shown, torch::kInt64));
  c.images = host_nhwc(picked);
  c.shape = ImageShape{int(shown), int(x->size(1)), int(x->size(2)), int(x->size(3))};
  const torch::Tensor ages = age->contiguous();
  c.ages.assign(ages.data_ptr<int64_t>(), ages.data_ptr<int64_t>() + n);
  return c;
}
}  // namespace

BufferContents read_buffer_file(const std::string& path, int max_shown, const ImageShape* expected) {
  return parse_buffer(read_safetensors(path), path, max_shown, expected);
}

void post_buffer_job(ViewJobs& jobs, const std::string& path, int max_shown, std::shared_ptr<ViewResultSlot<BufferContents>> contents,
                     std::shared_ptr<ViewResultSlot<BufferEnergies>> energies) {
  jobs.post("buffer", "replay buffer: reading and scoring its chains", "chain", [=](ViewJob& job) {
    contents->start();
    energies->start();
    const std::string weights = buffer_weights_path(path);
    std::shared_ptr<const BufferContents> read;
    EnergyModel* model = nullptr;
    SafetensorsFile file;
    try {
      if (weights.empty()) throw file_error(path, "is not named X.buffer.safetensors (the trainer's name beside checkpoint X)");
      model = &job.model(weights);
      const DataShape& s = model->card().shape;
      const ImageShape expected{0, int(s.channels), int(s.height), int(s.width)};
      file = read_safetensors(path);
      read = std::make_shared<const BufferContents>(parse_buffer(file, path, max_shown, &expected));
      contents->publish(read);
    } catch (const std::exception& e) {
      contents->fail(e.what());
      energies->fail("");
      throw;
    }
    // Every chain's f, a batch at a time.
    const torch::Tensor states = file.find("states")->to(parse_device(job.device()));
    auto out = std::make_shared<BufferEnergies>();
    out->weights = weights;
    out->f.assign(size_t(read->size), NAN);
    torch::NoGradGuard no_grad;
    for (int64_t first = 0; first < read->size; first += kScoreBatch) {
      if (job.cancelled()) {
        out->stopped = true;
        break;
      }
      const int64_t b = std::min(kScoreBatch, read->size - first);
      const std::vector<float> f = host_floats(model->energy(states.narrow(0, first, b)));
      std::copy(f.begin(), f.end(), out->f.begin() + first);
      out->done = first + b;
      energies->done.store(out->done);
      energies->total.store(read->size);
      job.progress(out->done, read->size);
    }
    energies->publish(out);
  });
}

}  // namespace shortrun::explorer

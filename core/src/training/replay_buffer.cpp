// The replay buffer of persistent training: draws addressed by (seed, iteration), write-back,
// ages, and its own .safetensors file (states, ages, re-init count, a digest in the metadata).
#include "shortrun/training/replay_buffer.h"

#include <sstream>

#include "shortrun/base/error.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {
namespace {
const char* kFormat = "shortrun-replay-buffer";

std::string shape_text(int64_t n, at::IntArrayRef chw) {
  std::ostringstream s;
  s << n << " chains of ";
  for (size_t i = 0; i < chw.size(); ++i) s << (i ? "x" : "") << chw[i];
  return s.str();
}
}  // namespace

ReplayBuffer::ReplayBuffer(int64_t size, const DataShape& shape, const CounterNoise& noise, torch::Device device) {
  x_ = noise.uniform(chain_range(0, size, device), 0, NoiseStream::kBufferInit, shape.chw()).mul_(2.0).sub_(1.0);
  age_ = torch::zeros({size}, torch::TensorOptions().dtype(torch::kInt64).device(device));
}

BufferDraw ReplayBuffer::draw(int64_t iteration, int64_t first_chain, int64_t batch, double reinit,
                              const CounterNoise& noise) const {
  const int64_t n = size();
  if (batch > n) throw Error("a batch of " + std::to_string(batch) + " chains cannot be drawn from a buffer of " + std::to_string(n));
  const torch::Device device = x_.device();
  // A permutation of the slots: sort by (random word, slot), so ties cannot make it ambiguous.
  const torch::Tensor words = noise.bits(torch::full({1}, iteration, torch::kInt64), 0, static_cast<int64_t>(NoiseStream::kReplay), n)
                                  .reshape({n}).to(torch::kCPU);
  const torch::Tensor keys = words * n + torch::arange(n, torch::kInt64);
  BufferDraw d;
  d.slots = std::get<1>(keys.sort()).narrow(0, 0, batch).to(device);
  const torch::Tensor u = noise.uniform(chain_range(first_chain, batch, torch::kCPU), 0, NoiseStream::kReplay, {1}).reshape({batch});
  d.reinit = (u < reinit).to(device);
  return d;
}

torch::Tensor ReplayBuffer::start(const BufferDraw& d, const torch::Tensor& fresh) const {
  const torch::Tensor stored = x_.index_select(0, d.slots);
  return torch::where(d.reinit.view({-1, 1, 1, 1}), fresh.to(stored.device(), stored.scalar_type()), stored);
}

void ReplayBuffer::write_back(const BufferDraw& d, const torch::Tensor& x_end) {
  torch::NoGradGuard no_grad;
  x_.index_copy_(0, d.slots, x_end.detach().to(x_.device(), x_.scalar_type()));
  const torch::Tensor aged = torch::where(d.reinit, torch::ones_like(d.slots), age_.index_select(0, d.slots) + 1);
  age_.index_copy_(0, d.slots, aged);
  reinit_total_ += d.reinit.sum().item<int64_t>();
}

double ReplayBuffer::mean_age() const { return age_.to(torch::kFloat64).mean().item<double>(); }
int64_t ReplayBuffer::max_age() const { return age_.max().item<int64_t>(); }

int64_t ReplayBuffer::digest() const {
  return tensors_crc32({{"states", x_}, {"ages", age_}, {"reinit_total", torch::tensor(reinit_total_, torch::kInt64)}});
}

void ReplayBuffer::save(const std::string& path) const {
  write_safetensors(path,
                    {{"states", x_.to(torch::kCPU).contiguous()},
                     {"ages", age_.to(torch::kCPU).contiguous()},
                     {"reinit_total", torch::tensor(reinit_total_, torch::kInt64)}},
                    {{"format", kFormat}, {"digest", std::to_string(digest())}});
}

ReplayBuffer ReplayBuffer::load(const std::string& path, int64_t size, const DataShape& shape, torch::Device device,
                                bool* other_run) {
  if (other_run) *other_run = false;
  const SafetensorsFile file = read_safetensors(path);
  const auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != kFormat)
    throw file_error(path, "is not a replay buffer (expected a .safetensors file with format '" + std::string(kFormat) +
                               "', written by train --init persistent)");
  const torch::Tensor *x = file.find("states"), *age = file.find("ages"), *total = file.find("reinit_total");
  if (!x || !age || !total) throw file_error(path, "replay buffer lacks 'states', 'ages' or 'reinit_total'");
  const auto chw = shape.chw();
  const bool shaped = x->dim() == 4 && x->size(1) == chw[0] && x->size(2) == chw[1] && x->size(3) == chw[2];
  if (!shaped || x->size(0) != size) {
    if (other_run) *other_run = true;
    std::ostringstream have;
    have << x->sizes();
    throw file_error(path, "holds a replay buffer of shape " + have.str() + "; this run expects " + shape_text(size, chw) +
                               " (its --buffer and image shape)");
  }
  if (x->scalar_type() != torch::kFloat32 || age->scalar_type() != torch::kInt64 || total->scalar_type() != torch::kInt64 ||
      age->dim() != 1 || age->size(0) != size || total->numel() != 1)
    throw file_error(path, "replay buffer tensors have the wrong dtype or shape (expected float32 states, int64 ages [" +
                               std::to_string(size) + "] and an int64 count)");
  if (!torch::isfinite(*x).all().item<bool>()) throw file_error(path, "replay buffer states contain NaN or Inf");
  if (size > 0 && age->min().item<int64_t>() < 0) throw file_error(path, "replay buffer holds a negative age");
  if (total->item<int64_t>() < 0) throw file_error(path, "replay buffer's re-initialisation count is negative");
  ReplayBuffer b;
  b.x_ = x->clone();
  b.age_ = age->clone();
  b.reinit_total_ = total->item<int64_t>();
  const auto stored = file.metadata.find("digest");
  if (stored == file.metadata.end() || stored->second != std::to_string(b.digest()))
    throw file_error(path, "replay buffer fails its digest check (the file is corrupt or was altered)");
  b.x_ = b.x_.to(device);
  b.age_ = b.age_.to(device);
  return b;
}

}  // namespace shortrun

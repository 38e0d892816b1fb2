// The persistent-chain replay buffer of `train --init persistent` (as in IGEBM and JEM): N chain
// states and their ages; each iteration draws distinct chains, re-initialises a fraction from
// uniform noise, and the K-step results are written back. Saved as its own .safetensors file.
#pragma once
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "shortrun/model/model_card.h"
#include "shortrun/sampling/noise.h"

namespace shortrun {

// The chains one iteration takes from the buffer.
struct BufferDraw {
  torch::Tensor slots;   // int64 [batch]: distinct buffer indices
  torch::Tensor reinit;  // bool [batch]: these start from uniform noise instead of their stored state
};

class ReplayBuffer {
 public:
  ReplayBuffer() = default;
  // `size` chains of `shape`, filled with U(-1,1) noise addressed by (seed, slot), all of age 0.
  ReplayBuffer(int64_t size, const DataShape& shape, const CounterNoise& noise, torch::Device device);

  // Iteration `iteration`'s draw: `batch` distinct slots (a permutation addressed by (seed,
  // iteration)) and which of them are re-initialised (each with probability `reinit`, from a
  // uniform addressed by the iteration's chain index `first_chain + j`).
  BufferDraw draw(int64_t iteration, int64_t first_chain, int64_t batch, double reinit, const CounterNoise& noise) const;
  // The chains' starting states: the stored ones, or `fresh` where re-initialised.
  torch::Tensor start(const BufferDraw& d, const torch::Tensor& fresh) const;
  // Stores the chains' end states; a re-initialised chain's age becomes 1, the others' grows by 1.
  void write_back(const BufferDraw& d, const torch::Tensor& x_end);

  int64_t size() const { return x_.defined() ? x_.size(0) : 0; }
  const torch::Tensor& states() const { return x_; }  // [N,C,H,W]
  const torch::Tensor& ages() const { return age_; }   // int64 [N]: K-step runs since (re)initialisation
  double mean_age() const;
  int64_t max_age() const;
  int64_t reinit_total() const { return reinit_total_; }  // re-initialisations since the run began

  // CRC-32 of the states and ages: a checkpoint records it to know its own buffer file.
  int64_t digest() const;
  void save(const std::string& path) const;
  // Reads a buffer file; throws Error naming the file when it is unreadable or not of `size`
  // chains of `shape` (`other_run` is set for an intact file of another shape: no older
  // checkpoint generation will fit either).
  static ReplayBuffer load(const std::string& path, int64_t size, const DataShape& shape, torch::Device device,
                           bool* other_run = nullptr);

 private:
  torch::Tensor x_, age_;
  int64_t reinit_total_ = 0;
};

}  // namespace shortrun

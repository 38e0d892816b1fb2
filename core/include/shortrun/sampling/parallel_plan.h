// How the CPU sampler spends its threads on the chunks of one network evaluation
// (`--parallel chains|ops|auto`), and the deterministic cost model that `auto` decides by.
#pragma once
#include <cstdint>
#include <string>

namespace shortrun {

class EnergyModel;

// ops:    chunk after chunk, every op of a chunk split across the threads (intra-op): one
//         fork/join per op, so small nets pay a wake-up per layer.
// chains: whole chunks handed to the threads, each chunk's ops single-threaded: one parallel
//         region per evaluation (per step). Needs a fixed chunk (> 0); one chunk runs alone.
// auto:   chains or ops from plan_parallel's model of one round of P chunks, so the same for
//         any number of chains.
// Chain i is bit-identical for any number of chains at the same chunk, mode and threads, and
// chains mode equals a one-thread run at any thread count (its kernels are one-thread kernels).
// ops at P threads may differ from one thread in the last bits: oneDNN can split a sum by its
// thread count (tests/test_parallel_plan.cpp checks what is guaranteed).
enum class ParallelMode { kAuto, kOps, kChains };

ParallelMode parse_parallel_mode(const std::string& name);  // "auto", "ops", "chains"; else throws Error
const char* parallel_mode_name(ParallelMode mode);

// Process-wide, like the intra-op thread count it decides how to use (default: auto).
void set_parallel_mode(ParallelMode mode);
ParallelMode parallel_mode();

// What the model needs to know of a net: its work per chain-step and how many layers (parallel
// regions) that work is cut into. Deterministic for a given model (from its weights' shapes).
struct ModelCost {
  double flops_per_chain_step = 0;  // f and ∇f of one chain
  int64_t layers = 1;               // weight tensors of 2+ dimensions (convolutions, linears)
  int64_t values_per_chain = 0;     // C·H·W
};
ModelCost model_cost(EnergyModel& model);

struct ParallelPlan {
  bool chains = false;   // true: chunks in parallel, single-threaded ops
  int64_t chunks = 0;    // evaluations per step
  double modelled_chains_s = 0, modelled_ops_s = 0;  // auto's estimate of one evaluation, seconds
  std::string why;       // one line, for `info`, the explorer and logs
};
// The plan for `chains` chains in chunks of `chunk` (0: one batch) on `threads` threads.
// Deterministic: the same arguments give the same plan (no timing involved).
ParallelPlan plan_parallel(ParallelMode requested, const ModelCost& cost, int64_t chains, int64_t chunk, int threads,
                           bool on_cpu = true);

}  // namespace shortrun

// Where this process sits in a data-parallel job: its rank, the world size and the rendezvous
// address, read from the launcher's environment (torchrun: RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT; Slurm's srun: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID).
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace shortrun {

struct LaunchEnv {
  bool present = false;  // false: no launcher variables, a single process
  int rank = 0, world = 1, local_rank = 0;
  std::string addr = "127.0.0.1";
  int port = 29500;
  std::string source;  // "torchrun", "slurm" or "--nproc": who set it, for messages
};

// Reads the launcher's variables through `get` (std::getenv in the program; a map in tests).
// RANK/WORLD_SIZE take precedence over SLURM_PROCID/SLURM_NTASKS. A bad value (not a whole
// number, rank outside 0..world-1, port outside 1..65535, one of RANK/WORLD_SIZE without the
// other, no MASTER_ADDR with more than one rank) throws Error naming the variable, in one line.
LaunchEnv parse_launch_env(const std::function<const char*(const char*)>& get);
LaunchEnv launch_env_from_environment();

// The rank's share of a global batch of `batch` items: [begin, begin + size), weight = size / batch.
// Uneven batches are handled: rank r takes [r·B/W, (r+1)·B/W). Every rank needs at least one item.
struct BatchSlice {
  int64_t begin = 0, size = 0;
  double weight = 1.0;
};
BatchSlice batch_slice(int64_t batch, int rank, int world);

// `sample` and `eval` (issue 27): the rank's global chains [begin, end) of n, split in whole units
// of `unit` chains (the sampler's --chunk, or eval's pieces) so that every evaluation the rank runs
// holds the same chains at the same places as in one process: rank r takes units
// [r·U/W, (r+1)·U/W) of U = ceil(n/unit). A rank may get none (fewer units than ranks).
struct ChainShare {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
ChainShare chain_share(int64_t n, int64_t unit, int rank, int world);

}  // namespace shortrun

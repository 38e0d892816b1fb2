// Parsing of the launcher's environment (launch_env.h): every bad value is refused in one line.
#include "shortrun/distributed/launch_env.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"

namespace shortrun {
namespace {

int64_t whole_number(const char* name, const char* text, int64_t lo, int64_t hi, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text, &end, 10);
  if (!*text || *end || errno || v < lo || v > hi)
    throw Error("launch environment: " + std::string(name) + "='" + printable(text) + "' is not " + what);
  return v;
}

}  // namespace

LaunchEnv parse_launch_env(const std::function<const char*(const char*)>& get) {
  LaunchEnv e;
  const char *rank = get("RANK"), *world = get("WORLD_SIZE");
  const char *rank_name = "RANK", *world_name = "WORLD_SIZE", *local_name = "LOCAL_RANK";
  e.source = "torchrun";
  if (!rank && !world && get("SLURM_PROCID") && get("SLURM_NTASKS")) {
    rank = get("SLURM_PROCID");
    world = get("SLURM_NTASKS");
    rank_name = "SLURM_PROCID";
    world_name = "SLURM_NTASKS";
    local_name = "SLURM_LOCALID";
    e.source = "slurm";
  }
  if (!rank && !world) return LaunchEnv{};
  if (!rank || !world)
    throw Error(std::string("launch environment: ") + (rank ? world_name : rank_name) + " is not set but " +
                (rank ? rank_name : world_name) + " is (a data-parallel launch sets both)");
  e.present = true;
  e.world = int(whole_number(world_name, world, 1, 65536, "a number of processes in 1..65536"));
  e.rank = int(whole_number(rank_name, rank, 0, e.world - 1, "a rank in 0.." + std::to_string(e.world - 1) + " (WORLD_SIZE " +
                                                             std::to_string(e.world) + ")"));
  if (const char* local = get(local_name)) e.local_rank = int(whole_number(local_name, local, 0, 65535, "a rank >= 0 on this machine"));
  const char* addr = get("MASTER_ADDR");
  if (addr && *addr) e.addr = addr;
  else if (e.world > 1)
    throw Error("launch environment: MASTER_ADDR is not set; every rank needs the address of rank 0's machine "
                "(torchrun sets it; under srun export it, e.g. the first host of $SLURM_JOB_NODELIST)");
  if (const char* port = get("MASTER_PORT")) e.port = int(whole_number("MASTER_PORT", port, 1, 65535, "a port in 1..65535"));
  return e;
}

LaunchEnv launch_env_from_environment() {
  return parse_launch_env([](const char* name) { return std::getenv(name); });
}

BatchSlice batch_slice(int64_t batch, int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world) throw Error("batch_slice: rank " + std::to_string(rank) + " outside a world of " + std::to_string(world));
  if (batch < world)
    throw Error("--batch " + std::to_string(batch) + " is smaller than the " + std::to_string(world) +
                " ranks: every rank needs at least one chain (use --batch >= " + std::to_string(world) + " or fewer ranks)");
  BatchSlice s;
  s.begin = int64_t(rank) * batch / world;
  s.size = int64_t(rank + 1) * batch / world - s.begin;
  s.weight = double(s.size) / double(batch);
  return s;
}

ChainShare chain_share(int64_t n, int64_t unit, int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world) throw Error("chain_share: rank " + std::to_string(rank) + " outside a world of " + std::to_string(world));
  if (n < 0 || unit < 1) throw Error("chain_share: " + std::to_string(n) + " chains in units of " + std::to_string(unit));
  const int64_t units = (n + unit - 1) / unit;
  ChainShare s;
  s.begin = std::min(n, int64_t(rank) * units / world * unit);
  s.end = std::min(n, int64_t(rank + 1) * units / world * unit);
  return s;
}

}  // namespace shortrun

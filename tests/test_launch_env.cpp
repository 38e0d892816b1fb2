// The data-parallel launch environment (torchrun's and Slurm's variables) and the batch split:
// bad values are refused in one line naming the variable; the slices cover the batch exactly.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "shortrun/base/error.h"
#include "shortrun/distributed/launch_env.h"

namespace shortrun {
namespace {

LaunchEnv parse(const std::map<std::string, std::string>& vars) {
  return parse_launch_env([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string error_of(const std::map<std::string, std::string>& vars) {
  try {
    parse(vars);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LaunchEnv, NoVariablesIsOneProcess) {
  const LaunchEnv e = parse({});
  EXPECT_FALSE(e.present);
  EXPECT_EQ(e.world, 1);
  EXPECT_EQ(e.rank, 0);
}

TEST(LaunchEnv, TorchrunVariables) {
  const LaunchEnv e = parse({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29501"}});
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.addr, "node7");
  EXPECT_EQ(e.port, 29501);
  EXPECT_EQ(e.source, "torchrun");
}

TEST(LaunchEnv, SlurmVariablesWhenTorchrunsAreAbsent) {
  const LaunchEnv e = parse({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "0"}, {"MASTER_ADDR", "n1"}});
  EXPECT_EQ(e.source, "slurm");
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world, 2);
  EXPECT_EQ(e.port, 29500);
  // RANK/WORLD_SIZE win over Slurm's.
  EXPECT_EQ(parse({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"RANK", "0"}, {"WORLD_SIZE", "1"}}).world, 1);
}

TEST(LaunchEnv, BadValuesAreOneLineNamingTheVariable) {
  const std::map<std::string, std::string> ok = {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}};
  const auto with = [&](const std::string& k, const std::string& v) {
    auto m = ok;
    m[k] = v;
    return m;
  };
  for (const auto& [k, v, fragment] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"RANK", "x", "RANK='x'"}, {"RANK", "2", "RANK='2'"}, {"RANK", "-1", "RANK='-1'"}, {"RANK", "", "RANK=''"},
           {"WORLD_SIZE", "0", "WORLD_SIZE='0'"}, {"WORLD_SIZE", "2x", "WORLD_SIZE='2x'"}, {"MASTER_PORT", "70000", "MASTER_PORT='70000'"},
           {"MASTER_PORT", "0", "MASTER_PORT='0'"}, {"LOCAL_RANK", "a", "LOCAL_RANK='a'"}, {"MASTER_ADDR", "", "MASTER_ADDR is not set"}}) {
    const std::string e = error_of(with(k, v));
    EXPECT_NE(e.find(fragment), std::string::npos) << k << "=" << v << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(error_of({{"RANK", "0"}}).find("WORLD_SIZE is not set"), std::string::npos);
  EXPECT_NE(error_of({{"WORLD_SIZE", "2"}}).find("RANK is not set"), std::string::npos);
  EXPECT_NE(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}}).find("MASTER_ADDR is not set"), std::string::npos);
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}}), "");  // one rank needs no address
}

TEST(BatchSlice, SlicesCoverTheBatchInOrder) {
  for (int world : {1, 2, 3, 5}) {
    for (int64_t batch : {int64_t(world), int64_t(63), int64_t(64), int64_t(101)}) {
      int64_t next = 0;
      double weights = 0;
      for (int r = 0; r < world; ++r) {
        const BatchSlice s = batch_slice(batch, r, world);
        EXPECT_EQ(s.begin, next);
        EXPECT_GE(s.size, batch / world);
        EXPECT_LE(s.size, batch / world + 1);
        EXPECT_DOUBLE_EQ(s.weight, double(s.size) / double(batch));
        next += s.size;
        weights += s.weight;
      }
      EXPECT_EQ(next, batch);
      EXPECT_NEAR(weights, 1.0, 1e-12);
    }
  }
  EXPECT_EQ(batch_slice(63, 1, 3).begin, 21);
  EXPECT_THROW(batch_slice(2, 0, 3), Error);
}

TEST(ChainShare, WholeUnitsCoverTheChainsInOrder) {
  for (int world : {1, 2, 3, 7}) {
    for (int64_t unit : {int64_t(1), int64_t(16), int64_t(256)}) {
      for (int64_t n : {int64_t(0), int64_t(1), int64_t(100), int64_t(4097)}) {
        int64_t next = 0;
        for (int r = 0; r < world; ++r) {
          const ChainShare s = chain_share(n, unit, r, world);
          EXPECT_EQ(s.begin, next);
          EXPECT_GE(s.size(), 0);
          // Every boundary but the last is a whole number of units: a chunk holds the same chains.
          if (s.end < n) EXPECT_EQ(s.end % unit, 0);
          next = s.end;
        }
        EXPECT_EQ(next, n);
      }
    }
  }
  // 100 chains in chunks of 16 (7 units, the last of 4) over 2 ranks: 3 + 4 units.
  EXPECT_EQ(chain_share(100, 16, 0, 2).end, 48);
  EXPECT_EQ(chain_share(100, 16, 1, 2).begin, 48);
  EXPECT_EQ(chain_share(10, 16, 0, 2).size(), 0);  // one unit, two ranks: rank 0 none, rank 1 all
  EXPECT_EQ(chain_share(10, 16, 1, 2).size(), 10);
  EXPECT_THROW(chain_share(10, 0, 0, 2), Error);
}

}  // namespace
}  // namespace shortrun

// Settings consistency between ranks (settings_check.h): one broadcast of rank 0's JSON text.
#include "shortrun/distributed/settings_check.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "shortrun/base/error.h"

namespace shortrun {
namespace {

// "lr 0.001 here, 0.0001 on rank 0": the first top-level field that differs.
std::string first_difference(const std::string& mine, const std::string& theirs) {
  const nlohmann::json a = nlohmann::json::parse(mine, nullptr, false), b = nlohmann::json::parse(theirs, nullptr, false);
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      const auto other = b.find(key);
      if (other == b.end()) return "'" + key + "' is set here and not on rank 0";
      if (*other != value) {
        std::string m = value.dump(), t = other->dump();
        if (m.size() > 120) m = m.substr(0, 120) + "...";
        if (t.size() > 120) t = t.substr(0, 120) + "...";
        return "'" + key + "' is " + m + " here and " + t + " on rank 0";
      }
    }
    for (const auto& [key, value] : b.items())
      if (!a.contains(key)) return "'" + key + "' is set on rank 0 and not here";
  }
  return "the settings text differs from rank 0's";
}

}  // namespace

void check_same_settings(DistGroup& group, const std::string& settings) {
  torch::Tensor len = torch::tensor({int64_t(settings.size())}, torch::kInt64);
  group.broadcast(len, 0, "settings check");
  const int64_t n = len.item<int64_t>();
  if (n < 0 || n > (int64_t(1) << 26)) throw Error(group.who() + ": settings check received a bad length from rank 0");
  torch::Tensor bytes = torch::zeros({std::max<int64_t>(n, 1)}, torch::kUInt8);
  if (group.rank() == 0) std::memcpy(bytes.data_ptr<uint8_t>(), settings.data(), settings.size());
  group.broadcast(bytes, 0, "settings check");
  const std::string rank0(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), size_t(n));
  const bool differs = rank0 != settings;
  // The lowest differing rank (world: none), known to all.
  torch::Tensor lowest = torch::tensor({int64_t(differs ? group.rank() : group.world())}, torch::kInt64);
  group.all_reduce(lowest, ReduceOp::kMin, "settings check");
  const int64_t bad = lowest.item<int64_t>();
  if (differs)
    throw Error(group.who() + ": started with other settings than rank 0: " + first_difference(settings, rank0) +
                " (every rank must run the same command)");
  if (bad < group.world())
    throw Error(group.who() + ": rank " + std::to_string(bad) + " was started with other settings than rank 0 "
                "(see its message; every rank must run the same command)");
}

}  // namespace shortrun

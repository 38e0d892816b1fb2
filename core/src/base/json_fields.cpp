// Checked JSON field reads: type and range first, then the conversion (see json_fields.h).
#include "shortrun/base/json_fields.h"

#include <cmath>

#include "shortrun/base/error.h"

namespace shortrun {

namespace {

// 2^63 as a double: the first value past int64_t's range (and uint64_t's is 2^64).
constexpr double kTwo63 = 9223372036854775808.0;

std::string range_text(int64_t lo, int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

}  // namespace

int64_t json_int_value(const nlohmann::json& v, const std::string& what, int64_t lo, int64_t hi) {
  int64_t out = 0;
  bool ok = false;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    ok = u <= static_cast<uint64_t>(INT64_MAX);
    out = ok ? static_cast<int64_t>(u) : 0;
  } else if (v.is_number_integer()) {
    out = v.get<int64_t>();
    ok = true;
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    ok = std::isfinite(d) && d == std::floor(d) && d >= -kTwo63 && d < kTwo63;
    out = ok ? static_cast<int64_t>(d) : 0;
  }
  if (!ok || out < lo || out > hi) throw Error(what + ": expected an integer in " + range_text(lo, hi));
  return out;
}

double json_finite_value(const nlohmann::json& v, const std::string& what) {
  if (!v.is_number() || !std::isfinite(v.get<double>())) throw Error(what + ": expected a finite number");
  return v.get<double>();
}

int64_t json_int(const nlohmann::json& j, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  const auto it = j.find(key);
  return it == j.end() ? fallback : json_int_value(*it, key, lo, hi);
}

uint64_t json_uint(const nlohmann::json& j, const char* key, uint64_t fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() >= 0) return static_cast<uint64_t>(it->get<int64_t>());
  if (it->is_number_float()) {
    const double d = it->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && d >= 0 && d < 2 * kTwo63) return static_cast<uint64_t>(d);
  }
  throw Error(std::string(key) + ": expected an integer in 0..18446744073709551615");
}

double json_finite(const nlohmann::json& j, const char* key, double fallback) {
  const auto it = j.find(key);
  return it == j.end() ? fallback : json_finite_value(*it, key);
}

bool json_bool(const nlohmann::json& j, const char* key, bool fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_boolean()) throw Error(std::string(key) + ": expected true or false");
  return it->get<bool>();
}

std::string json_string(const nlohmann::json& j, const char* key, const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_string()) throw Error(std::string(key) + ": expected a string");
  return it->get<std::string>();
}

}  // namespace shortrun

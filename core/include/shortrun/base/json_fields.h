// Checked reads of one field of a JSON object (model cards, sampler settings, run configs): the
// type and range are checked before any conversion, so a hostile number (1e300 for an integer,
// -1.5 for a seed) is refused with the field's name instead of being cast, which is undefined.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "shortrun/base/error.h"

namespace shortrun {

// Each returns `fallback` when `key` is absent and throws shortrun::Error naming `key` when it
// is present with another type or out of range. Integers may be written as integral floats (2.0).
int64_t json_int(const nlohmann::json& object, const char* key, int64_t fallback, int64_t lo, int64_t hi);
uint64_t json_uint(const nlohmann::json& object, const char* key, uint64_t fallback);
double json_finite(const nlohmann::json& object, const char* key, double fallback);
bool json_bool(const nlohmann::json& object, const char* key, bool fallback);
std::string json_string(const nlohmann::json& object, const char* key, const std::string& fallback);

// The same checks for a value that is not an object's field (an array element): `what` names it.
int64_t json_int_value(const nlohmann::json& value, const std::string& what, int64_t lo, int64_t hi);
double json_finite_value(const nlohmann::json& value, const std::string& what);

// One reader for a field of any of the types above (or a vector of them), chosen by the
// fallback's type: what `j.value(key, fallback)` does, without its unchecked conversions.
template <typename T>
T json_get(const nlohmann::json& object, const char* key, const T& fallback) {
  if constexpr (std::is_same_v<T, bool>) {
    return json_bool(object, key, fallback);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return static_cast<T>(json_int(object, key, fallback, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    return json_uint(object, key, fallback);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(json_finite(object, key, fallback));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return json_string(object, key, fallback);
  } else {
    static_assert(std::is_same_v<T, std::vector<typename T::value_type>>, "json_get: unsupported type");
    const auto it = object.find(key);
    if (it == object.end()) return fallback;
    if (!it->is_array()) throw Error(std::string(key) + ": expected a list");
    T out;
    for (size_t i = 0; i < it->size(); ++i) {
      const nlohmann::json one = {{"v", (*it)[i]}};
      out.push_back(json_get(one, "v", typename T::value_type{}));
    }
    return out;
  }
}

// A string field with a literal fallback: json_get(j, "event", "").
inline std::string json_get(const nlohmann::json& object, const char* key, const char* fallback) {
  return json_string(object, key, fallback);
}

}  // namespace shortrun

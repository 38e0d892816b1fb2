// Checked reads of one field of a JSON object (model cards, sampler settings, run configs): the
// type and range are checked before any conversion, so a hostile number (1e300 for an integer,
// -1.5 for a seed) is refused with the field's name instead of being cast, which is undefined.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

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

}  // namespace shortrun

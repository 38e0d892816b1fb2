// Learning-rate schedules: parsing, the multiplier per iteration.
#include "shortrun/training/lr_schedule.h"

#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <sstream>
#include <vector>

#include "shortrun/base/error.h"

namespace shortrun {

namespace {
const char* kExpected = "expected constant, cosine, cosine:ITERS or step:ITER:FACTOR (0 < FACTOR <= 1)";

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 18) return false;
  out = std::stoll(s);
  return true;
}

bool parse_real(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && std::isfinite(out);
}
}  // namespace

LrSchedule LrSchedule::parse(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
  const auto bad = [&] { return Error("learning-rate schedule '" + spec + "': " + kExpected); };
  LrSchedule s;
  if (parts.empty()) throw bad();
  s.kind = parts[0];
  if (s.kind == "constant" && parts.size() == 1) return s;
  if (s.kind == "cosine" && parts.size() <= 2) {
    if (parts.size() == 2 && (!parse_int(parts[1], s.horizon) || s.horizon < 1)) throw bad();
    return s;
  }
  if (s.kind == "step" && parts.size() == 3) {
    if (!parse_int(parts[1], s.every) || s.every < 1 || !parse_real(parts[2], s.factor) || !(s.factor > 0 && s.factor <= 1))
      throw bad();
    return s;
  }
  throw bad();
}

std::string LrSchedule::spec() const {
  if (kind == "cosine") return horizon > 0 ? "cosine:" + std::to_string(horizon) : "cosine";
  if (kind == "step") {
    std::ostringstream o;
    o.precision(17);
    o << "step:" << every << ":" << factor;
    return o.str();
  }
  return "constant";
}

void LrSchedule::validate() const {
  if (kind == "constant") return;
  if (kind == "cosine" && horizon >= 0) return;
  if (kind == "step" && every >= 1 && factor > 0 && factor <= 1) return;
  throw Error("learning-rate schedule '" + spec() + "': " + kExpected);
}

double LrSchedule::multiplier(int64_t iteration) const {
  if (kind == "cosine" && horizon > 0) {
    const double t = double(std::min(std::max<int64_t>(iteration, 0), horizon)) / double(horizon);
    return kCosineFloor + (1.0 - kCosineFloor) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  if (kind == "step") return std::pow(factor, double(std::max<int64_t>(iteration, 0) / every));
  return 1.0;
}

}  // namespace shortrun

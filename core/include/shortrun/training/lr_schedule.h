// Learning-rate schedules for training: constant, cosine (to 1% of the base rate over a fixed
// horizon) or step (× FACTOR every ITER iterations). Plain data; the trainer stores it in
// config.json and in every checkpoint so that a resumed run follows the same curve.
#pragma once
#include <cstdint>
#include <string>

namespace shortrun {

struct LrSchedule {
  std::string kind = "constant";  // constant | cosine | step
  int64_t horizon = 0;            // cosine: iterations to decay over (0: not fixed yet)
  int64_t every = 0;              // step: iterations between reductions
  double factor = 1.0;            // step: multiplier per reduction, in (0, 1]
  static constexpr double kCosineFloor = 0.01;

  // "constant", "cosine", "cosine:T", "step:ITER:FACTOR"; throws shortrun::Error naming the flag.
  static LrSchedule parse(const std::string& spec);
  std::string spec() const;  // parse(spec()) gives this schedule back
  // What the base learning rate is multiplied by for the Adam step of `iteration` (0-based).
  double multiplier(int64_t iteration) const;
  void validate() const;
  bool operator==(const LrSchedule& o) const {
    return kind == o.kind && horizon == o.horizon && every == o.every && factor == o.factor;
  }
};

}  // namespace shortrun

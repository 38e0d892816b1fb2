// SamplerConfig validation and JSON.
#include "shortrun/model/sampler_config.h"

#include <cmath>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"

namespace shortrun {

void SamplerConfig::validate() const {
  if (steps < 0 || steps > 100000) throw Error("steps=" + std::to_string(steps) + "; expected 0..100000");
  if (!std::isfinite(step_size) || step_size < 0) throw Error("step size must be finite and >= 0");
  if (!std::isfinite(noise_std) || noise_std < 0) throw Error("noise std must be finite and >= 0");
  if (chunk < 0 || chunk > 65536) throw Error("chunk=" + std::to_string(chunk) + "; expected 0..65536");
  if (init != "uniform" && init != "gaussian") throw Error("init '" + init + "' is unknown; expected uniform or gaussian");
  if (mala && !(noise_std > 0)) throw Error("MALA needs noise std > 0 (its proposal is the noisy Langevin step)");
  if (mala && clamp) throw Error("MALA cannot clamp: a clamped proposal has no density to correct with");
  if (mala && precision == "bf16")
    throw Error("MALA's accept/reject test compares energies to a few bits; bf16 rounds them and biases the "
                "acceptance: use precision exact (or tf32 on CUDA) with MALA");
  if (!std::isfinite(temperature) || !(temperature > 0)) throw Error("temperature must be a positive number");
  if (precision != "exact" && precision != "tf32" && precision != "bf16")
    throw Error("precision '" + precision + "' is unknown; expected exact, tf32 or bf16");
}

void to_json(nlohmann::json& j, const SamplerConfig& c) {
  j = {{"steps", c.steps}, {"step_size", c.step_size}, {"noise_std", c.noise_std},
       {"init", c.init},   {"seed", c.seed},           {"clamp", c.clamp},
       {"chunk", c.chunk}, {"precision", c.precision}};
  if (c.mala) j["mala"] = true, j["temperature"] = c.temperature;
}

void from_json(const nlohmann::json& j, SamplerConfig& c) {
  if (!j.is_object()) throw Error("sampler settings are not a JSON object");
  c.steps = json_int(j, "steps", c.steps, 0, 100000);
  c.step_size = json_finite(j, "step_size", c.step_size);
  c.noise_std = json_finite(j, "noise_std", c.noise_std);
  c.init = json_string(j, "init", c.init);
  c.seed = json_uint(j, "seed", c.seed);
  c.clamp = json_bool(j, "clamp", c.clamp);
  c.chunk = json_int(j, "chunk", c.chunk, 0, 65536);
  c.precision = json_string(j, "precision", c.precision);
  c.mala = json_bool(j, "mala", c.mala);
  c.temperature = json_finite(j, "temperature", c.temperature);
  c.validate();
}

}  // namespace shortrun

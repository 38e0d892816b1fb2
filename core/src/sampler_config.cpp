// SamplerConfig validation and JSON.
#include "shortrun/sampler_config.h"

#include <cmath>

#include "shortrun/error.h"

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
  c.steps = j.value("steps", c.steps);
  c.step_size = j.value("step_size", c.step_size);
  c.noise_std = j.value("noise_std", c.noise_std);
  c.init = j.value("init", c.init);
  c.seed = j.value("seed", c.seed);
  c.clamp = j.value("clamp", c.clamp);
  c.chunk = j.value("chunk", c.chunk);
  c.precision = j.value("precision", c.precision);
  c.mala = j.value("mala", c.mala);
  c.temperature = j.value("temperature", c.temperature);
  c.validate();
}

}  // namespace shortrun

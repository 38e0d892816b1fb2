// BaselineSpec validation and JSON (see baseline_spec.h).
#include "shortrun/baselines/baseline_spec.h"

#include <cmath>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"

namespace shortrun {

void BaselineSpec::validate() const {
  if (kind != "vae" && kind != "gan") throw Error("baseline kind must be \"vae\" or \"gan\", got \"" + clip(kind) + "\"");
  if (channels < 1 || channels > 4) throw Error("baseline channels must be 1..4");
  if (image_size != 32 && image_size != 64) throw Error("baseline image size must be 32 or 64");
  if (latent < 1 || latent > 4096) throw Error("latent size must be 1..4096");
  if (nf < 1 || nf > 512) throw Error("baseline n_f must be 1..512");
  if (!(vae_sigma > 0) || !(vae_sigma <= 10)) throw Error("vae_sigma must be in (0, 10]");
}

std::string BaselineSpec::summary() const {
  std::string s = kind + " z=" + std::to_string(latent) + " n_f=" + std::to_string(nf) + ", " + std::to_string(channels) + "x" +
                  std::to_string(image_size) + "x" + std::to_string(image_size);
  return s;
}

void to_json(nlohmann::json& j, const BaselineSpec& s) {
  j = {{"kind", s.kind}, {"channels", s.channels}, {"image_size", s.image_size},
       {"latent", s.latent}, {"nf", s.nf}, {"vae_sigma", s.vae_sigma}};
}

void from_json(const nlohmann::json& j, BaselineSpec& s) {
  if (!j.is_object()) throw Error("baseline architecture must be a JSON object");
  const BaselineSpec d;
  s.kind = json_get(j, "kind", d.kind);
  s.channels = json_get(j, "channels", d.channels);
  s.image_size = json_get(j, "image_size", d.image_size);
  s.latent = json_get(j, "latent", d.latent);
  s.nf = json_get(j, "nf", d.nf);
  s.vae_sigma = json_get(j, "vae_sigma", d.vae_sigma);
  s.validate();
}

}  // namespace shortrun

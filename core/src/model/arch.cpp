// ArchSpec validation and JSON.
#include "shortrun/model/arch.h"

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"

namespace shortrun {

void ArchSpec::validate() const {
  if (kind != "convnet" && kind != "resnet")
    throw Error("architecture kind '" + kind + "' is unknown; expected convnet or resnet");
  if (channels < 1 || channels > 4) throw Error("architecture channels=" + std::to_string(channels) + "; expected 1..4");
  if (image_size != 32 && image_size != 64)
    throw Error("architecture image_size=" + std::to_string(image_size) + "; expected 32 or 64");
  if (nf < 1 || nf > 1024) throw Error("architecture nf=" + std::to_string(nf) + "; expected 1..1024");
  if (activation != "lrelu" && activation != "silu" && activation != "softplus" && activation != "elu")
    throw Error("activation '" + activation + "' is unknown; expected lrelu, silu, softplus or elu");
  if (!(leak >= 0 && leak <= 1)) throw Error("architecture leak=" + std::to_string(leak) + "; expected 0..1");
}

std::string ArchSpec::summary() const {
  std::string act = activation == "lrelu" ? "lrelu(" + std::to_string(leak).substr(0, 4) + ")" : activation;
  return kind + " n_f=" + std::to_string(nf) + " " + act + ", " + std::to_string(channels) + "x" +
         std::to_string(image_size) + "x" + std::to_string(image_size);
}

void to_json(nlohmann::json& j, const ArchSpec& a) {
  j = {{"kind", a.kind}, {"channels", a.channels}, {"image_size", a.image_size},
       {"nf", a.nf},     {"activation", a.activation}, {"leak", a.leak}};
}

void from_json(const nlohmann::json& j, ArchSpec& a) {
  if (!j.is_object()) throw Error("architecture spec is not a JSON object");
  ArchSpec d;
  a.kind = json_string(j, "kind", d.kind);
  a.channels = json_int(j, "channels", d.channels, 1, 4);
  a.image_size = json_int(j, "image_size", d.image_size, 32, 64);
  a.nf = json_int(j, "nf", d.nf, 1, 1024);
  a.activation = json_string(j, "activation", d.activation);
  a.leak = json_finite(j, "leak", d.leak);
  a.validate();
}

}  // namespace shortrun

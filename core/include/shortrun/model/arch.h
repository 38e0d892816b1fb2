// ArchSpec: the energy net's architecture as plain data with JSON (de)serialisation.
// It travels inside every checkpoint so a file is self-describing.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace shortrun {

struct ArchSpec {
  std::string kind = "convnet";      // "convnet" (the paper's) | "resnet" (pre-activation blocks)
  int64_t channels = 1;              // image channels
  int64_t image_size = 32;           // 32 or 64 (square)
  int64_t nf = 64;                   // base width n_f
  std::string activation = "lrelu";  // "lrelu" (0.2, the paper's) | "silu" | "softplus" | "elu"
  double leak = 0.2;                 // LeakyReLU negative slope

  // Throws shortrun::Error when a field is out of range.
  void validate() const;
  std::string summary() const;  // one line, e.g. "convnet n_f=64 lrelu(0.2), 1x32x32"
  // True when the net is piecewise linear in x (LeakyReLU): its Hessian is zero a.e.
  bool piecewise_linear() const { return activation == "lrelu"; }
};

void to_json(nlohmann::json& j, const ArchSpec& a);
void from_json(const nlohmann::json& j, ArchSpec& a);

}  // namespace shortrun

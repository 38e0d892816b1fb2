// Shared pieces of the analysis views: curves, saturation, composition, command lines.
#include "shortrun/analysis/view_common.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "shortrun/base/error.h"

namespace shortrun {

torch::Tensor saturated_fraction(const torch::Tensor& x) {
  const torch::Tensor flat = x.detach().reshape({x.size(0), -1});
  return (flat.abs() >= kSaturatedLevel).to(torch::kFloat64).mean(1).to(torch::kCPU);
}

CurveRecorder::CurveRecorder(int64_t steps, int64_t chains) {
  if (steps < 0 || chains < 1) throw Error("curve recorder: expected steps >= 0 and at least one chain");
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  energy_ = torch::full({steps + 1, chains}, std::nan(""), f64);
  grad_norm_ = torch::full({steps + 1, chains}, std::nan(""), f64);
  saturated_ = torch::full({steps + 1, chains}, std::nan(""), f64);
  accepted_ = torch::zeros({std::max<int64_t>(steps, 1), chains}, f64);
}

void CurveRecorder::record(const StepInfo& s) {
  if (s.step < 0 || s.step >= energy_.size(0)) return;
  energy_[s.step].copy_(s.energy.detach().to(torch::kCPU, torch::kFloat64));
  grad_norm_[s.step].copy_(s.grad_norm.detach().to(torch::kCPU, torch::kFloat64));
  saturated_[s.step].copy_(saturated_fraction(s.x));
  if (s.accepted.defined() && s.step < accepted_.size(0)) {
    mala_ = true;
    accepted_[s.step].copy_(s.accepted.detach().to(torch::kCPU, torch::kFloat64));
  }
  rows_ = std::max(rows_, s.step + 1);
}

ChainCurves CurveRecorder::curves() const {
  ChainCurves c;
  c.energy = energy_.narrow(0, 0, rows_).clone();
  c.grad_norm = grad_norm_.narrow(0, 0, rows_).clone();
  c.saturated = saturated_.narrow(0, 0, rows_).clone();
  if (mala_) c.accepted = accepted_.narrow(0, 0, std::max<int64_t>(0, std::min(rows_, accepted_.size(0)))).clone();
  return c;
}

namespace {
// A [S,N] float64 tensor as a list per row (mean over chains) or per chain (transposed).
nlohmann::json rows_mean(const torch::Tensor& t) {
  const torch::Tensor m = t.mean(1).contiguous();
  return std::vector<double>(m.data_ptr<double>(), m.data_ptr<double>() + m.numel());
}
nlohmann::json per_chain(const torch::Tensor& t) {
  const torch::Tensor tt = t.t().contiguous();
  nlohmann::json out = nlohmann::json::array();
  for (int64_t n = 0; n < tt.size(0); ++n)
    out.push_back(std::vector<double>(tt[n].data_ptr<double>(), tt[n].data_ptr<double>() + tt.size(1)));
  return out;
}
}  // namespace

nlohmann::json ChainCurves::to_json(bool with_chains) const {
  nlohmann::json j = nlohmann::json::object();
  const int64_t s = steps();
  std::vector<int64_t> step(s);
  for (int64_t k = 0; k < s; ++k) step[k] = k;
  j["step"] = step;
  if (s == 0) return j;
  j["energy_mean"] = rows_mean(energy);
  j["grad_norm_mean"] = rows_mean(grad_norm);
  j["saturated_mean"] = rows_mean(saturated);
  if (accepted.defined() && accepted.size(0) > 0) j["accept_mean"] = rows_mean(accepted);
  if (with_chains) {
    j["energy"] = per_chain(energy);
    j["grad_norm"] = per_chain(grad_norm);
    j["saturated"] = per_chain(saturated);
    if (accepted.defined() && accepted.size(0) > 0) j["accepted"] = per_chain(accepted);
  }
  return j;
}

torch::Tensor side_by_side(const std::vector<torch::Tensor>& images, int64_t gap, double pad_value) {
  if (images.empty()) throw Error("side_by_side: no images");
  int64_t channels = 1, height = 0, width = 0;
  for (const auto& im : images) {
    if (im.dim() != 3) throw Error("side_by_side: expected [C,H,W] images");
    channels = std::max(channels, im.size(0));
    height = std::max(height, im.size(1));
    width += im.size(2);
  }
  width += gap * (static_cast<int64_t>(images.size()) - 1);
  torch::Tensor out = torch::full({channels, height, width}, pad_value);
  int64_t x = 0;
  for (const auto& im : images) {
    const torch::Tensor src = im.detach().to(torch::kCPU, torch::kFloat32);
    const torch::Tensor c = src.size(0) == channels ? src : src.narrow(0, 0, 1).expand({channels, src.size(1), src.size(2)});
    out.narrow(1, 0, im.size(1)).narrow(2, x, im.size(2)).copy_(c);
    x += im.size(2) + gap;
  }
  return out;
}

torch::Tensor difference_colormap(const torch::Tensor& diff, double range) {
  if (diff.dim() != 4) throw Error("difference_colormap: expected [N,C,H,W]");
  if (!(range > 0) || !std::isfinite(range)) throw Error("difference range must be a positive number");
  const torch::Tensor d = (diff.detach().to(torch::kCPU, torch::kFloat32).mean(1, true) / range).clamp(-1.0, 1.0);
  const torch::Tensor pos = d.clamp_min(0), neg = (-d).clamp_min(0);
  // In [0,1]: red = 1 − neg, green = 1 − |d|, blue = 1 − pos; then mapped to [-1,1].
  const torch::Tensor rgb = torch::cat({1 - neg, 1 - pos - neg, 1 - pos}, 1);
  return rgb * 2 - 1;
}

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_-+=./,:@%") == std::string::npos;
  if (plain) return text;
  std::string q = "'";
  for (char c : text) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string format_number(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string sampler_flags(const SamplerConfig& c) {
  std::ostringstream s;
  s << "--steps " << c.steps << " --step-size " << format_number(c.step_size) << " --noise " << format_number(c.noise_std)
    << " --seed " << c.seed << " --init-dist " << c.init << " --chunk " << c.chunk << " --precision " << c.precision
    << (c.clamp ? " --clamp" : " --no-clamp");
  if (c.mala) s << " --mala --temperature " << format_number(c.temperature);
  return s.str();
}

}  // namespace shortrun

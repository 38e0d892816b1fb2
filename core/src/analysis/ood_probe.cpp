// probe_images: energies of the images, of a data batch and of the model's samples; ranks.
#include "shortrun/analysis/ood_probe.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/sampling/langevin_sampler.h"

namespace shortrun {

void OodProbeConfig::validate() const {
  sampler.validate();
  if (reference_n < 1 || reference_n > 100000) throw Error("OOD probe: reference_n must be in 1..100000");
}

void to_json(nlohmann::json& j, const OodProbeConfig& c) {
  j = {{"sampler", c.sampler}, {"reference_n", c.reference_n}, {"chains", c.chains}};
}

void from_json(const nlohmann::json& j, OodProbeConfig& c) {
  if (!j.is_object()) throw Error("OOD probe settings are not a JSON object");
  if (j.contains("sampler")) c.sampler = j.at("sampler").get<SamplerConfig>();
  c.reference_n = json_get(j, "reference_n", c.reference_n);
  c.chains = json_get(j, "chains", c.chains);
  c.validate();
}

double percentile_rank(double value, const torch::Tensor& reference) {
  const torch::Tensor r = reference.to(torch::kFloat64);
  if (r.numel() == 0) return std::nan("");
  const double below = (r < value).sum().item<double>(), equal = (r == value).sum().item<double>();
  return 100.0 * (below + 0.5 * equal) / double(r.numel());
}

torch::Tensor energies(EnergyModel& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < x.size(0); i += 256) {
    const torch::Tensor xb = x.narrow(0, i, std::min<int64_t>(256, x.size(0) - i)).to(model.device(), torch::kFloat32);
    out.push_back(model.energy(xb).detach().to(torch::kCPU, torch::kFloat64).reshape({-1}));
  }
  if (out.empty()) return torch::zeros({0}, torch::kFloat64);
  return torch::cat(out);
}

OodProbeResult probe_images(EnergyModel& model, const torch::Tensor& images, const torch::Tensor& data,
                            const OodProbeConfig& config, const ViewProgress& progress, const std::atomic<bool>* cancel,
                            const StepObserver& chain_observer, const torch::Tensor& known_sample_energy) {
  config.validate();
  const auto shape = model.shape().chw();
  const auto check = [&](const torch::Tensor& t, const std::string& what) {
    if (t.dim() != 4 || t.size(1) != shape[0] || t.size(2) != shape[1] || t.size(3) != shape[2])
      throw Error("OOD probe: the " + what + " are not [N," + std::to_string(shape[0]) + "," + std::to_string(shape[1]) +
                  "," + std::to_string(shape[2]) + "] (the model's shape)");
  };
  check(images, "images");
  check(data, "data images");
  if (images.size(0) < 1) throw Error("OOD probe: no images to score");
  const int64_t n = config.reference_n;
  if (data.size(0) < n)
    throw Error("OOD probe: the data batch has " + std::to_string(data.size(0)) + " images; expected at least " + std::to_string(n));
  const int64_t m = images.size(0), k = config.sampler.steps;
  const bool reuse = known_sample_energy.defined();
  if (reuse && known_sample_energy.numel() != n)
    throw Error("OOD probe: the known sample energies are " + std::to_string(known_sample_energy.numel()) + "; expected " +
                std::to_string(n));
  const int64_t sampled = reuse ? 0 : n;  // reference chains to run
  const int64_t total = sampled * k + (config.chains ? m * k : 0);
  OodProbeResult r;
  r.energy = energies(model, images);
  r.data_energy = energies(model, data.narrow(0, 0, n));
  const LangevinSampler sampler(model, config.sampler);
  std::vector<torch::Tensor> samples;
  for (int64_t first = 0; first < sampled; first += 256) {
    const int64_t b = std::min<int64_t>(256, n - first);
    const SampleResult s = sampler.run(chain_range(first, b, model.device()), std::nullopt, [&](const StepInfo& info) {
      if (progress) progress(first * k + info.step * b, total);
    }, cancel);
    if (s.cancelled) {
      r.cancelled = true;
      return r;
    }
    samples.push_back(s.x.detach());
  }
  r.sample_energy = reuse ? known_sample_energy.to(torch::kCPU, torch::kFloat64).reshape({-1}).clone()
                          : energies(model, torch::cat(samples));
  r.percentile_data = torch::empty({m}, torch::kFloat64);
  r.percentile_samples = torch::empty({m}, torch::kFloat64);
  for (int64_t i = 0; i < m; ++i) {
    const double e = r.energy[i].item<double>();
    r.percentile_data[i] = percentile_rank(e, r.data_energy);
    r.percentile_samples[i] = percentile_rank(e, r.sample_energy);
  }
  if (config.chains) {
    const SampleResult s = sampler.run(chain_range(0, m, model.device()), images.to(model.device(), torch::kFloat32),
                                       [&](const StepInfo& info) {
                                         if (chain_observer) chain_observer(info);
                                         if (progress) progress(sampled * k + info.step * m, total);
                                       },
                                       cancel);
    if (s.cancelled) {
      r.cancelled = true;
      return r;
    }
    r.chain_x = s.x.detach().to(torch::kCPU, torch::kFloat32);
    r.chain_energy = energies(model, r.chain_x);
  }
  if (progress) progress(total, total);
  return r;
}

torch::Tensor ood_probe_image(const torch::Tensor& images, const OodProbeResult& r) {
  const torch::Tensor x = images.detach().to(torch::kCPU, torch::kFloat32);
  if (!r.chain_x.defined()) return make_grid(x, x.size(0));
  return make_grid(torch::cat({x, r.chain_x}), x.size(0));
}

std::vector<std::string> probe_image_files(const std::string& arg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) return {arg};
  std::vector<std::string> out;
  for (std::string& path : list_folder_files(arg, "expected a folder of PNG, JPEG or NPY images")) {
    const std::string ext = lowercase_extension(path);
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".npy") out.push_back(std::move(path));
  }
  if (out.empty()) throw file_error(arg, "no PNG, JPEG or NPY files in this directory");
  // Each file holds at least one image: refused before decoding any.
  if (int64_t(out.size()) > kMaxProbeImages)
    throw file_error(arg, "holds " + std::to_string(out.size()) + " image files; expected at most " + std::to_string(kMaxProbeImages) +
                              " probe images");
  return out;
}

ProbeImages load_probe_images(const std::vector<std::string>& args, const DataShape& shape) {
  if (args.empty()) throw Error("OOD probe: no images given");
  ProbeImages p;
  std::vector<torch::Tensor> imgs;
  for (const std::string& arg : args)
    for (const std::string& path : probe_image_files(arg)) {
      const torch::Tensor batch = read_image_or_npy(path);
      for (int64_t i = 0; i < batch.size(0); ++i) {
        std::string note;
        imgs.push_back(conform_image(batch[i], shape.channels, shape.height, shape.width, &note));
        p.names.push_back(batch.size(0) > 1 ? path + "[" + std::to_string(i) + "]" : path);
        if (!note.empty()) p.notes.push_back(p.names.back() + ": " + note);
        if (int64_t(imgs.size()) > kMaxProbeImages)
          throw Error("OOD probe: more than " + std::to_string(kMaxProbeImages) + " images; expected at most that many");
      }
    }
  p.images = torch::stack(imgs);
  return p;
}

Dataset load_probe_reference(const std::string& data_spec, const DataShape& shape, int64_t n) {
  DataOptions d;
  d.split = "test";
  d.image_size = shape.height;
  d.limit = n;
  Dataset data = load_dataset(data_spec, d);
  if (data.images.size(1) != shape.channels)
    throw Error("the data's images have " + std::to_string(data.images.size(1)) + " channels; the model expects " + shape.str());
  return data;
}

std::string score_command(const ScoreCommand& c) {
  std::string command = "shortrun score --model " + shell_quote(c.model) + " --images";
  for (const std::string& a : c.images) command += " " + shell_quote(a);
  command += " --data " + shell_quote(c.data) + " --n " + std::to_string(c.probe.reference_n) + " " + sampler_flags(c.probe.sampler);
  if (c.probe.chains) command += " --chains " + shell_quote(c.chains_png);
  command += " --out " + shell_quote(c.out_png);
  return command;
}

}  // namespace shortrun

// `shortrun score`: the OOD probe (ood_probe.h). f(x) of each given image, with its percentile
// among f over a batch of the data's test split and over the model's own samples; optionally
// each image's chain (the image as x_0, K steps).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>

#include "cli_common.h"
#include "shortrun/analysis/ood_probe.h"
#include "shortrun/base/error.h"
#include "shortrun/base/printable.h"
#include "shortrun/io/datasets.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/model_paths.h"
#include "view_support.h"

namespace shortrun::cli {

void add_score_command(CLI::App& app) {
  struct Options {
    std::string model, out = "score.png", chains, data = "fashion-mnist";
    std::vector<std::string> images;
    bool json = false;
    OodProbeConfig probe;
    SamplerOverrides sampler;
    RuntimeOptions rt;
    ModelOptions mo;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("score", "OOD probe: f(x) of images against f over the data and over the model's own samples");
  cmd->add_option("--model,-m", o->model, "model file or run dir (default: the bundled model)");
  cmd->add_option("--images", o->images, "image files (PNG/JPEG/NPY) or directories of them")->required()->expected(1, 1 << 20);
  cmd->add_option("--data", o->data, "fashion-mnist | idx:PATH | cifar10:DIR | folder:DIR; its test split (first --n) is "
                                     "the data reference")->capture_default_str();
  cmd->add_option("--n", o->probe.reference_n, "data images and model samples to compare with")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_option("--chains", o->chains, "also run each image's chain (the image as x_0, K steps, chain i's noise) and write "
                                         "a PNG: images on top, x_K under them");
  cmd->add_option("--out", o->out, "PNG of the scored images, as the model sees them (converted to its shape)")->capture_default_str();
  cmd->add_flag("--json", o->json, "print the report as one JSON object (it is always written to OUT.json)");
  o->sampler.add(*cmd);
  add_runtime_options(*cmd, o->rt);
  add_model_options(*cmd, o->mo);
  cmd->callback([o] {
    Interrupt interrupt;  // from the start: Ctrl+C while loading also stops cleanly
    check_one_stdout_output({{"--out", o->out}, {"--chains", o->chains}});
    const std::vector<NamedPath> score_outputs{{"--out", o->out}, {"--chains", o->chains}, {"the report (OUT.json)", json_next_to(o->out)}};
    {
      std::vector<NamedPath> inputs{model_input("--model", o->model), data_input(o->data)};
      for (const std::string& image : o->images) inputs.push_back({"--images", image});
      check_outputs(score_outputs, inputs);
    }
    SamplingSetup setup = open_for_sampling(o->model, o->rt, o->mo, o->sampler);
    EnergyModel& model = *setup.model;
    const DataShape shape = model.shape();
    const ProbeImages loaded = load_probe_images(o->images, shape);
    const std::vector<std::string>& names = loaded.names;
    const torch::Tensor& images = loaded.images;
    {
      // The files found in --images directories are inputs too ("path[i]": image i of an NPY batch).
      std::vector<NamedPath> inputs;
      for (const std::string& name : names)
        inputs.push_back({"--images", name.back() == ']' && name.rfind('[') != std::string::npos ? name.substr(0, name.rfind('[')) : name});
      check_outputs(score_outputs, inputs);
    }
    if (!o->json)
      for (const std::string& note : loaded.notes) std::cerr << "note: " << note << "\n";
    OodProbeConfig probe = o->probe;
    probe.sampler = setup.sampler;
    probe.chains = !o->chains.empty();
    probe.validate();
    const Dataset data = load_probe_reference(o->data, shape, probe.reference_n);

    StderrProgress progress("score");
    const auto t0 = std::chrono::steady_clock::now();
    const OodProbeResult r = probe_images(model, images, data.images, probe, std::ref(progress), interrupt.flag());
    progress.finish();
    if (r.cancelled) exit_interrupted("shortrun score");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const std::string model_path = resolve_model_path(o->model);
    const std::string json_path = json_next_to(o->out);
    ScoreCommand sc;
    sc.model = model_path;
    sc.images = o->images;
    sc.data = o->data;
    sc.probe = probe;
    sc.chains_png = o->chains;
    sc.out_png = o->out;
    const std::string command = score_command(sc) + runtime_flags(o->rt, o->mo);

    const auto stats = [](const torch::Tensor& e) {
      const torch::Tensor s = std::get<0>(e.sort());
      const int64_t n = s.size(0);
      return nlohmann::json{{"mean", e.mean().item<double>()},
                            {"min", s[0].item<double>()},
                            {"median", s[n / 2].item<double>()},
                            {"max", s[n - 1].item<double>()}};
    };
    nlohmann::json per_image = nlohmann::json::array();
    for (size_t i = 0; i < names.size(); ++i) {
      nlohmann::json e = {{"image", names[i]},
                          {"energy", r.energy[int64_t(i)].item<double>()},
                          {"percentile_data", r.percentile_data[int64_t(i)].item<double>()},
                          {"percentile_samples", r.percentile_samples[int64_t(i)].item<double>()}};
      if (probe.chains) e["chain_energy"] = r.chain_energy[int64_t(i)].item<double>();
      per_image.push_back(e);
    }
    nlohmann::json j = {{"view", "score"},
                        {"command", command},
                        {"model", model_path},
                        {"settings", probe},
                        {"data", data.description},
                        {"images", per_image},
                        {"energy_data", stats(r.data_energy)},
                        {"energy_samples", stats(r.sample_energy)},
                        {"percentile", "share of the reference with lower f (ties half); higher f = more likely under the model"},
                        {"caveat", "EBMs (like other likelihood models) can rank some out-of-distribution inputs above the data "
                                   "(Nalisnick et al. 2019; Du & Mordatch 2019)"},
                        {"png", probe.chains ? "--out: the images; --chains: the images on top, x_K of their chains under them"
                                             : "--out: the images as the model sees them"},
                        {"seconds", secs}};
    if (!json_path.empty()) write_json_report(json_path, j);
    if (probe.chains) write_png(o->chains, ood_probe_image(images, r));
    if (!o->out.empty()) write_png(o->out, make_grid(images, images.size(0)));
    if (o->json) {
      std::cout << json_text(j) << std::endl;
      return;
    }
    std::printf("f over %lld data images (%s): mean %.3f, median %.3f; over %lld model samples: mean %.3f, median %.3f\n",
                static_cast<long long>(probe.reference_n), data.description.c_str(), j["energy_data"]["mean"].get<double>(),
                j["energy_data"]["median"].get<double>(), static_cast<long long>(probe.reference_n),
                j["energy_samples"]["mean"].get<double>(), j["energy_samples"]["median"].get<double>());
    std::printf("%12s %14s %14s  %s\n", "f(x)", "pct vs data", "pct vs samples", "image");
    for (const auto& e : per_image)
      std::printf("%12.3f %13.1f%% %13.1f%%  %s\n", e["energy"].get<double>(), e["percentile_data"].get<double>(),
                  e["percentile_samples"].get<double>(), e["image"].get<std::string>().c_str());
    std::printf("(higher f = more likely under the model; EBMs can rank some OOD inputs above the data)\n");
  });
}

}  // namespace shortrun::cli

// `shortrun convert`: a PyTorch state_dict (.pth) or TorchScript module (.pt) with the paper's
// ConvNet layout -> a native .safetensors checkpoint.
#include <iostream>

#include "cli_common.h"
#include "shortrun/base/error.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/model/state_dict_import.h"

namespace shortrun::cli {

void add_convert_command(CLI::App& app) {
  struct Options {
    std::string from, out;
    ModelOptions mo;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a PyTorch .pth state_dict or TorchScript .pt into a native checkpoint");
  cmd->add_option("--from", opt->from, "input file (.pth state_dict or .pt TorchScript)")->required();
  cmd->add_option("--out", opt->out, "output .safetensors")->required();
  add_model_options(*cmd, opt->mo);
  cmd->callback([opt] {
    check_outputs({{"--out", opt->out}}, {{"--from", opt->from}});
    auto model = load_energy_model(opt->from, torch::kCPU, load_options(opt->mo));
    std::unique_ptr<NativeEnergyModel> native;
    if (dynamic_cast<NativeEnergyModel*>(model.get())) {
      native.reset(static_cast<NativeEnergyModel*>(model.release()));
    } else if (auto* ts = dynamic_cast<TorchScriptEnergyModel*>(model.get())) {
      // A scripted copy of the paper's net: its parameters follow one of the known layouts.
      ImportedNet net = import_state_dict(ts->named_parameters(), opt->from);
      native = std::make_unique<NativeEnergyModel>(net.arch);
      native->load_named_parameters(net.params, opt->from);
      native->card().source = "torchscript:" + net.layout;
      native->card().provenance = {{"imported_from", opt->from}};
      // Same function, different code path: make sure the conversion is faithful.
      torch::NoGradGuard no_grad;
      torch::manual_seed(0);
      const torch::Tensor probe = torch::rand({4, native->shape().channels, native->shape().height, native->shape().width}) * 2 - 1;
      const double diff = (native->energy(probe) - ts->energy(probe)).abs().max().item<double>();
      const double scale = ts->energy(probe).abs().max().item<double>() + 1e-6;
      if (diff > 1e-4 * scale)
        throw file_error(opt->from, "TorchScript module's function differs from the paper's ConvNet with its weights "
                                    "(max energy difference " + std::to_string(diff) + "); cannot convert it to a native net");
    }
    if (opt->out.size() < 12 || opt->out.substr(opt->out.size() - 12) != ".safetensors")
      throw Error("--out " + opt->out + ": expected a .safetensors file name");
    save_checkpoint(opt->out, *native);
    std::cout << "wrote " << opt->out << " (" << native->card().arch->summary() << ", "
              << native->parameter_count() << " parameters, from " << native->card().source << ")\n";
  });
}

}  // namespace shortrun::cli

// The presets' table and how a switch's value lands in TrainerConfig. Each value names its source;
// the README's preset table is this table.
#include "shortrun/training/presets.h"

#include <cstdlib>

#include "shortrun/base/error.h"

namespace shortrun {

namespace {

const char* const kDesign = "DESIGN.md 'The science in five lines' (the paper's code: K=100, step 1, noise 0.01, Adam 1e-4, sigma 0.03, batch 64)";
const char* const kDesignNet = "DESIGN.md 'Reference network' (conv3x3 n_f ... LeakyReLU(0.2)); Nijkamp et al. 2019, Sec. 4";
const char* const kMnistConv = "point0bar1/ebm-anatomy config_locker/mnist_convergent.json";
const char* const kCifarNonconv = "point0bar1/ebm-anatomy config_locker/cifar10_nonconvergent.json (= flowers_nonconvergent.json)";
const char* const kAnatomyTrain = "point0bar1/ebm-anatomy train_data.py";
const char* const kAnatomyNets = "point0bar1/ebm-anatomy nets.py";
const char* const kJem = "wgrathwohl/JEM train_wrn_ebm.py (argparse defaults)";
const char* const kJemNet = "wgrathwohl/JEM wideresnet.py";

std::vector<TrainingPreset> make_presets() {
  std::vector<TrainingPreset> p;
  p.push_back({"paper",
               "Nijkamp et al. 2019: non-persistent short-run from uniform noise (this project's defaults)",
               {{"--arch", "convnet", kDesignNet},
                {"--nf", "64", kDesignNet},
                {"--activation", "lrelu", kDesignNet},
                {"--leak", "0.2", kDesignNet},
                {"--steps", "100", kDesign},
                {"--step-size", "1", kDesign},
                {"--noise", "0.01", kDesign},
                {"--init", "uniform", kDesign},
                {"--lr", "1e-4", kDesign},
                {"--batch", "64", kDesign},
                {"--data-noise", "0.03", kDesign},
                {"--ema", "0", "the paper keeps no EMA weights (none in DESIGN.md's recipe)"},
                {"--energy-l2", "0", "the paper's loss has no energy penalty (DESIGN.md 'Learning')"}}});
  p.push_back({"anatomy-convergent",
               "Nijkamp et al. 2020 (Anatomy), convergent ML: persistent chains, long K, small noise",
               {{"--arch", "convnet", std::string("unconfirmed: the config uses net_type 'nonlocal' (") + kAnatomyNets +
                                          " NonlocalNet), which this project lacks; its VanillaNet (the paper's convnet) instead"},
                {"--nf", "32", std::string(kAnatomyNets) + " (n_f=32)"},
                {"--activation", "lrelu", kAnatomyNets},
                {"--leak", "0.05", std::string(kAnatomyNets) + " (leak=0.05)"},
                {"--steps", "500", std::string(kMnistConv) + " num_shortrun_steps"},
                {"--step-size", "1", std::string(kAnatomyTrain) + ": x += -f'(x) + epsilon*noise (unit gradient coefficient)"},
                {"--noise", "0.0075", std::string(kMnistConv) + " epsilon"},
                {"--init", "persistent", std::string(kMnistConv) + " shortrun_init"},
                {"--buffer", "60000", std::string(kAnatomyTrain) + ": one persistent image per training image (MNIST: 60,000)"},
                {"--reinit", "0", std::string(kAnatomyTrain) + ": the persistent bank is never rejuvenated"},
                {"--lr", "1e-4", std::string("unconfirmed: the config uses SGD lr_init 1e-2 (scaled by epsilon^2/2 in ") + kAnatomyTrain +
                                     "); this project trains with Adam, so the rate of the Anatomy Adam configs is used"},
                {"--batch", "100", std::string(kMnistConv) + " batch_size"},
                {"--data-noise", "0.015", std::string(kMnistConv) + " data_epsilon"},
                {"--ema", "0", std::string(kAnatomyTrain) + " keeps no EMA weights"},
                {"--energy-l2", "0", std::string(kAnatomyTrain) + ": loss is f(x_q).mean() - f(x_s).mean() only"}}});
  p.push_back({"anatomy-nonconvergent",
               "Nijkamp et al. 2020 (Anatomy), non-convergent ML: short-run from uniform noise",
               {{"--arch", "convnet", std::string(kCifarNonconv) + " net_type vanilla (" + kAnatomyNets + " VanillaNet)"},
                {"--nf", "32", std::string(kAnatomyNets) + " (n_f=32)"},
                {"--activation", "lrelu", kAnatomyNets},
                {"--leak", "0.05", std::string(kAnatomyNets) + " (leak=0.05)"},
                {"--steps", "150", std::string(kCifarNonconv) + " num_shortrun_steps"},
                {"--step-size", "1", std::string(kAnatomyTrain) + ": x += -f'(x) + epsilon*noise"},
                {"--noise", "0.01", std::string(kCifarNonconv) + " epsilon"},
                {"--init", "uniform", std::string(kCifarNonconv) + " shortrun_init"},
                {"--lr", "1e-4", std::string(kCifarNonconv) + " optimizer adam, lr_init 1e-4 (lr_decay 1)"},
                {"--batch", "100", std::string(kCifarNonconv) + " batch_size"},
                {"--data-noise", "0.03", std::string(kCifarNonconv) + " data_epsilon"},
                {"--ema", "0", std::string(kAnatomyTrain) + " keeps no EMA weights"},
                {"--energy-l2", "0", std::string(kAnatomyTrain) + ": no energy penalty"}}});
  p.push_back({"jem-like",
               "Grathwohl et al. 2020 (JEM), p(x) part: persistent SGLD with a 10,000-chain replay buffer",
               {{"--arch", "resnet", std::string("unconfirmed size: ") + kJemNet + " Wide-ResNet-28-10 (pre-activation blocks); "
                                     "this project's resnet at its --nf instead"},
                {"--activation", "lrelu", std::string(kJemNet) + " (LeakyReLU)"},
                {"--leak", "0.2", std::string(kJemNet) + " (leak=.2)"},
                {"--steps", "20", std::string(kJem) + " --n_steps"},
                {"--step-size", "1", std::string(kJem) + " --sgld_lr"},
                {"--noise", "0.01", std::string(kJem) + " --sgld_std"},
                {"--init", "persistent", std::string(kJem) + ": replay buffer (sample_p_0)"},
                {"--buffer", "10000", std::string(kJem) + " --buffer_size"},
                {"--reinit", "0.05", std::string(kJem) + " --reinit_freq"},
                {"--lr", "1e-4", std::string(kJem) + " --lr (optimizer adam)"},
                {"--batch", "64", std::string(kJem) + " --batch_size"},
                {"--data-noise", "0.03", std::string(kJem) + " --sigma"},
                {"--ema", "0", std::string(kJem) + " keeps no EMA weights"},
                {"--energy-l2", "0", std::string(kJem) + ": no energy penalty"}}});
  return p;
}

double number(const PresetSetting& s) {
  char* end = nullptr;
  const double v = std::strtod(s.value.c_str(), &end);
  if (s.value.empty() || *end) throw Error("preset value '" + s.value + "' of " + s.flag + " is not a number");
  return v;
}

}  // namespace

const std::vector<TrainingPreset>& training_presets() {
  static const std::vector<TrainingPreset> presets = make_presets();
  return presets;
}

std::string training_preset_names() {
  std::string out;
  for (const TrainingPreset& p : training_presets()) out += (out.empty() ? "" : " | ") + p.name;
  return out;
}

const TrainingPreset& find_training_preset(const std::string& name) {
  for (const TrainingPreset& p : training_presets())
    if (p.name == name) return p;
  throw Error("no training preset '" + name + "'; expected " + training_preset_names());
}

void apply_training_preset(const TrainingPreset& preset, TrainerConfig& c, const std::function<bool(const std::string&)>& given) {
  for (const PresetSetting& s : preset.settings) {
    if (given && given(s.flag)) continue;
    const std::string& f = s.flag;
    if (f == "--arch") c.arch.kind = s.value;
    else if (f == "--nf") c.arch.nf = static_cast<int64_t>(number(s));
    else if (f == "--activation") c.arch.activation = s.value;
    else if (f == "--leak") c.arch.leak = number(s);
    else if (f == "--steps") c.sampler.steps = static_cast<int64_t>(number(s));
    else if (f == "--step-size") c.sampler.step_size = number(s);
    else if (f == "--noise") c.sampler.noise_std = number(s);
    else if (f == "--init") c.init = s.value;
    else if (f == "--buffer") c.buffer = static_cast<int64_t>(number(s));
    else if (f == "--reinit") c.reinit = number(s);
    else if (f == "--lr") c.lr = number(s);
    else if (f == "--batch") c.batch = static_cast<int64_t>(number(s));
    else if (f == "--data-noise") c.data_noise = number(s);
    else if (f == "--ema") c.ema = number(s);
    else if (f == "--energy-l2") c.energy_l2 = number(s);
    else throw Error("preset " + preset.name + ": unknown switch " + f);
  }
  c.preset = preset.name;
}

}  // namespace shortrun

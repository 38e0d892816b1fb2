// Training presets (issue 25, part 6): named recipes from published configurations (the paper's,
// the Anatomy paper's convergent and non-convergent config-locker entries, JEM's defaults) as
// lists of `shortrun train` switches with their values and where each value comes from. The CLI
// (--preset) and the explorer's Training tab read the same table.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "shortrun/training/trainer.h"

namespace shortrun {

struct PresetSetting {
  std::string flag;    // the `shortrun train` switch, e.g. "--steps"
  std::string value;   // as typed on the command line, e.g. "500"
  std::string source;  // file (and key) or paper section the value comes from; "unconfirmed: ..." where it could not be
};

struct TrainingPreset {
  std::string name;     // "paper", "anatomy-convergent", "anatomy-nonconvergent", "jem-like"
  std::string summary;  // one line
  std::vector<PresetSetting> settings;
};

// All presets, in the order the help and the explorer list them.
const std::vector<TrainingPreset>& training_presets();
// The preset of that name; throws shortrun::Error listing the names otherwise.
const TrainingPreset& find_training_preset(const std::string& name);
// "paper | anatomy-convergent | ...".
std::string training_preset_names();

// Writes the preset's values into `config`, except the switches for which given(flag) is true
// (flags the user typed win), and records config.preset = preset.name. Throws shortrun::Error
// on a value that does not parse (a bug in the table; tested).
void apply_training_preset(const TrainingPreset& preset, TrainerConfig& config,
                           const std::function<bool(const std::string&)>& given = nullptr);

}  // namespace shortrun

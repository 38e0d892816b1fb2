// The Training tab's launcher (issue 25): a preset fills the fields from core's table, the chain
// start, buffer, EMA and long-run fields reach the command line, a field set after the preset wins,
// and bad values are refused with a message.
#include <gtest/gtest.h>

#include <algorithm>

#include "shortrun/base/error.h"
#include "shortrun/training/presets.h"
#include "views/training/training_launcher.h"

namespace shortrun::explorer {
namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(TrainingLauncher, APresetFillsTheFieldsAndTheCommandShowsTheNewSwitches) {
  TrainingLauncher l;
  const auto controls = TrainingLauncher::controls();
  for (const char* c : {"train_preset", "train_init", "train_buffer", "train_reinit", "train_ema", "train_long_run_every"})
    EXPECT_NE(std::find(controls.begin(), controls.end(), c), controls.end()) << c;
  EXPECT_TRUE(l.set_control("train_preset", "jem-like"));
  EXPECT_EQ(l.request().steps, 20);
  EXPECT_EQ(l.request().init, "persistent");
  EXPECT_EQ(l.request().buffer, 10000);
  EXPECT_DOUBLE_EQ(l.request().reinit, 0.05);
  EXPECT_EQ(l.request().batch, 64);
  // Explicit fields after the preset win.
  EXPECT_TRUE(l.set_control("train_buffer", 500));
  EXPECT_TRUE(l.set_control("train_ema", 0.99));
  EXPECT_TRUE(l.set_control("train_long_run_every", 25));
  const std::string cmd = l.request().cli_command();
  for (const char* part : {"--preset jem-like", "--steps 20", "--init persistent", "--buffer 500", "--reinit 0.05", "--ema 0.99",
                           "--long-run-every 25", "--long-run-steps 2000", "--long-run-chains 64"})
    EXPECT_TRUE(has(cmd, part)) << part << " not in " << cmd;
  // Every preset of core's table can be chosen; "" goes back to none.
  for (const TrainingPreset& p : training_presets()) {
    EXPECT_TRUE(l.set_control("train_preset", p.name));
    EXPECT_TRUE(has(l.request().cli_command(), "--preset " + p.name));
  }
  EXPECT_TRUE(l.set_control("train_preset", ""));
  EXPECT_FALSE(has(l.request().cli_command(), "--preset"));
  EXPECT_TRUE(l.set_control("train_init", "uniform"));
  EXPECT_FALSE(has(l.request().cli_command(), "--buffer"));  // only a persistent run has one
}

TEST(TrainingLauncher, BadValuesOfTheNewFieldsAreRefused) {
  TrainingLauncher l;
  EXPECT_THROW(l.set_control("train_preset", "nonsense"), Error);
  EXPECT_THROW(l.set_control("train_init", "zeros"), Error);
  EXPECT_THROW(l.set_control("train_reinit", 2.0), Error);
  EXPECT_THROW(l.set_control("train_ema", 1.5), Error);
  EXPECT_THROW(l.set_control("train_buffer", 0), Error);
  EXPECT_THROW(l.set_control("train_long_run_every", -1), Error);
  EXPECT_EQ(l.request().init, "uniform");
  EXPECT_TRUE(l.request().preset.empty());
}

}  // namespace
}  // namespace shortrun::explorer

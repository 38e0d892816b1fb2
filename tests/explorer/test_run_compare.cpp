// The Runs tab's parts, headless: a run directory's settings (config.json, settings.json, a model
// card; bad and oversized files), the settings diff, the comparison of several runs (a good run,
// a run still growing, a directory that is not there, a folder that is not a run), the plots on one
// grid, and what the Training tab says each checkpoint file is.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "views/runs/compare_plots.h"
#include "views/runs/run_comparison.h"
#include "views/run_data/run_paths.h"
#include "views/run_data/run_settings.h"
#include "views/runs/settings_diff.h"

namespace shortrun::explorer {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string fresh_dir(const std::string& name) {
  // One folder per process: two runs of this binary at once never share a run directory.
  const fs::path dir = fs::temp_directory_path() / ("shortrun_run_compare_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void write(const std::string& path, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream out(path, std::ios::binary | mode);
  out << text;
}

// A run directory as `shortrun train` leaves it (what matters here: config.json and metrics.jsonl).
std::string image_run(const std::string& name, double lr, int lines, int every = 2) {
  const std::string dir = fresh_dir(name);
  write(dir + "/config.json", "{\"lr\": " + std::to_string(lr) +
                                   ", \"batch\": 8, \"sampler\": {\"steps\": 5, \"step_size\": 1.0}, \"data\": \"fashion-mnist\"}");
  std::string m;
  for (int i = 1; i <= lines; ++i)
    m += "{\"iteration\": " + std::to_string(i * every) + ", \"f_data\": 0.5, \"f_samples\": 0.25, \"gap\": 0.25, \"lr\": 0.001}\n";
  write(dir + "/metrics.jsonl", m);
  return dir;
}

std::string value(const RunSettings& s, const std::string& key) {
  for (const auto& [k, v] : s.rows)
    if (k == key) return v;
  return "(absent)";
}

// Updates the comparison (a bounded number of rounds, not a time) until `done` holds.
template <class F>
void until(RunComparison& c, F done) {
  const auto end = std::chrono::steady_clock::now() + 300s;  // only a hang reaches this
  while (std::chrono::steady_clock::now() < end) {
    c.update();
    if (done()) return;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "the comparison never got there";
}

TEST(RunSettings, AnImageRunsConfigFlattensToDottedKeys) {
  const RunSettings s = read_run_settings(image_run("config", 0.001, 1));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.source, "config.json");
  EXPECT_EQ(s.kind, "image run");
  EXPECT_EQ(value(s, "sampler.steps"), "5");
  EXPECT_EQ(value(s, "data"), "fashion-mnist");
  EXPECT_TRUE(std::is_sorted(s.rows.begin(), s.rows.end()));
}

TEST(RunSettings, AToyRunsSettingsAndAModelCardAreRead) {
  const std::string toy = fresh_dir("toy");
  write(toy + "/settings.json", "{\"kind\": \"toy2d\", \"settings\": {\"steps\": 50}, \"config\": {\"target\": \"ring8\"}}");
  const RunSettings t = read_run_settings(toy);
  EXPECT_EQ(t.kind, "2-D run");
  EXPECT_EQ(value(t, "settings.steps"), "50");
  EXPECT_EQ(value(t, "config.target"), "ring8");

  // No config.json: the trainer settings in model.safetensors' card (only its header is read).
  const std::string card = fresh_dir("card");
  const std::string meta = R"({"provenance": {"trainer": {"lr": 0.0002, "sampler": {"steps": 7}}, "build": {"commit": "abc"}}})";
  const nlohmann::json header = {{"__metadata__", {{"shortrun", meta}}}};
  const std::string h = header.dump();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char((uint64_t(h.size()) >> (8 * i)) & 0xff);
  write(card + "/model.safetensors", bytes + h);
  const RunSettings c = read_run_settings(card);
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.source, "model.safetensors");
  EXPECT_EQ(value(c, "sampler.steps"), "7");
  EXPECT_EQ(value(c, "build.commit"), "abc");
}

TEST(RunSettings, BadDirectoriesAndFilesGiveOneLineReasons) {
  const std::string dir = fresh_dir("bad_settings");
  const RunSettings missing = read_run_settings(dir + "/nothere");
  EXPECT_TRUE(missing.no_directory);
  EXPECT_NE(missing.error.find("does not exist"), std::string::npos);

  write(dir + "/file.txt", "hello");
  const RunSettings file = read_run_settings(dir + "/file.txt");
  EXPECT_TRUE(file.no_directory);
  EXPECT_NE(file.error.find("not a directory"), std::string::npos);

  EXPECT_NE(read_run_settings(dir).error.find("no config.json"), std::string::npos);  // an empty directory

  write(dir + "/config.json", "{\"lr\": 0.1,");  // cut short
  EXPECT_NE(read_run_settings(dir).error.find("not a JSON object"), std::string::npos);

  write(dir + "/config.json", std::string(RunSettings::kMaxBytes + 1, ' '));
  EXPECT_NE(read_run_settings(dir).error.find("larger than"), std::string::npos);

  write(dir + "/model.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}");
  fs::remove(dir + "/config.json");
  EXPECT_NE(read_run_settings(dir).error.find("plausible size"), std::string::npos);
}

TEST(RunSettings, WhatIsKeptIsBounded) {
  const std::string dir = fresh_dir("bounded_settings");
  std::string many = "{";
  for (int i = 0; i < 1000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\": " + std::to_string(i);
  many += ", \"deep\": " + std::string(5000, '[') + std::string(5000, ']') + ", \"long\": \"" + std::string(10000, 'x') + "\"}";
  write(dir + "/config.json", many);
  const RunSettings s = read_run_settings(dir);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.rows.size(), RunSettings::kMaxRows);
  EXPECT_EQ(s.rows.size() + s.dropped, 1002u);
  for (const auto& [k, v] : s.rows) EXPECT_LE(v.size(), RunSettings::kMaxText + 4) << k;
}

TEST(SettingsDiff, RowsThatDifferAreMarkedAndCanBeTheOnlyOnes) {
  RunSettings a, b, unread;
  a.rows = {{"batch", "8"}, {"lr", "0.001"}, {"sampler.steps", "5"}};
  b.rows = {{"batch", "8"}, {"lr", "0.003"}, {"seed", "2"}};
  unread.error = "x does not exist";
  const auto rows = diff_settings({&a, &b, &unread, nullptr});
  ASSERT_EQ(rows.size(), 4u);  // batch, lr, sampler.steps, seed
  EXPECT_EQ(rows[0].key, "batch");
  EXPECT_FALSE(rows[0].differs) << "a run without settings has no say";
  EXPECT_TRUE(rows[1].differs);
  EXPECT_EQ(rows[1].values, (std::vector<std::string>{"0.001", "0.003", "", ""}));
  EXPECT_TRUE(rows[2].differs) << "a key only one run has differs";
  EXPECT_EQ(rows[2].present, (std::vector<bool>{true, false, false, false}));
  const auto only = diff_settings({&a, &b, &unread}, true);
  ASSERT_EQ(only.size(), 3u);
  for (const auto& r : only) EXPECT_TRUE(r.differs) << r.key;
  EXPECT_TRUE(diff_settings({&a}, true).empty()) << "one run differs from nothing";
}

TEST(RunComparison, AGoodRunABadDirectoryAndARunStillGrowing) {
  const std::string a = image_run("cmp_a", 0.001, 10);
  const std::string b = image_run("cmp_b", 0.003, 3);
  const std::string bad = fresh_dir("cmp_bad") + "/nothere";
  const std::string not_run = fresh_dir("cmp_file") + "/notes.txt";
  write(not_run, "not a run");
  RunComparison c;
  EXPECT_EQ(c.add(a), "");
  EXPECT_EQ(c.add(bad), "");
  EXPECT_EQ(c.add(b + "/metrics.jsonl"), "") << "a run's file stands for its run";
  EXPECT_EQ(c.add(not_run), "");
  EXPECT_NE(c.add(a + "/"), "") << "the same run twice";
  ASSERT_EQ(c.runs().size(), 4u);
  EXPECT_EQ(c.runs()[2].dir, b);
  until(c, [&] {
    return c.runs()[0].run->records == 10 && c.runs()[2].run->records == 3 && c.runs()[1].run->polls > 0 && c.runs()[3].run->polls > 0;
  });
  EXPECT_EQ(c.runs()[0].problem, "");
  const auto why = [&](size_t i) {
    const RunSnapshot& s = *c.runs()[i].run;
    return c.runs()[i].problem + " | polls " + std::to_string(s.polls) + " missing " + std::to_string(s.missing) +
           " settings " + (s.settings ? s.settings->error : "(none)") + " messages " + std::to_string(s.messages.size());
  };
  EXPECT_NE(c.runs()[1].problem.find("does not exist"), std::string::npos) << why(1);
  EXPECT_EQ(c.runs()[3].dir, fs::path(not_run).parent_path().string()) << "a file stands for its folder";
  EXPECT_NE(c.runs()[3].problem.find("metrics.jsonl is not there"), std::string::npos) << why(3);
  ASSERT_TRUE(c.runs()[0].run->settings);
  EXPECT_EQ(value(*c.runs()[0].run->settings, "lr"), "0.001");

  // The run still being written: new lines arrive without re-adding it.
  std::string more;
  for (int i = 4; i <= 9; ++i) more += "{\"iteration\": " + std::to_string(2 * i) + ", \"f_data\": 0.5, \"gap\": 0.1}\n";
  write(b + "/metrics.jsonl", more, std::ios::app);
  until(c, [&] { return c.runs()[2].run->records == 9; });
  EXPECT_EQ(c.runs()[2].run->last_iteration, 18);

  // Removing the bad ones leaves the good ones as they were, colours included.
  const ImU32 colour_b = c.runs()[2].color;
  c.remove(3);
  c.remove(1);
  ASSERT_EQ(c.runs().size(), 2u);
  EXPECT_EQ(c.runs()[1].dir, b);
  EXPECT_EQ(c.runs()[1].color, colour_b);
  EXPECT_EQ(c.runs()[1].run->records, 9);
  // A new run takes a free colour, not one in use.
  EXPECT_EQ(c.add(bad), "");
  EXPECT_NE(c.runs()[2].color, c.runs()[0].color);
  EXPECT_NE(c.runs()[2].color, c.runs()[1].color);
}

TEST(RunComparison, NamesTellRunsApartAndTheListIsBounded) {
  const std::string root = fresh_dir("cmp_names");
  RunComparison c;
  EXPECT_EQ(c.add(root + "/x/run"), "");
  EXPECT_EQ(c.add(root + "/y/run"), "");
  EXPECT_EQ(c.runs()[0].name, "x/run");
  EXPECT_EQ(c.runs()[1].name, "y/run");
  for (int i = 2; i < int(RunComparison::kMaxRuns); ++i) EXPECT_EQ(c.add(root + "/r" + std::to_string(i)), "");
  EXPECT_NE(c.add(root + "/one_more").find("at most"), std::string::npos);
  EXPECT_NE(c.add(""), "");
}

TEST(ComparePlots, RunsShareOneGridWithALinePerRun) {
  RunSnapshot a, b;
  for (int i = 1; i <= 10; ++i) a.curves.series["f_data"].push({i * 2.0, 1.0});
  for (int i = 1; i <= 10; ++i) b.curves.series["f_data"].push({i * 10.0, 2.0});
  b.curves.series["kl"].push({10, 0.5});
  a.last_iteration = 20;
  b.last_iteration = 100;
  const ComparePlots p = make_compare_plots({{&a, IM_COL32(255, 0, 0, 255), "a"}, {&b, IM_COL32(0, 255, 0, 255), "b"}});
  EXPECT_EQ(p.x_scale, 2);   // the finer logging interval
  EXPECT_EQ(p.x_count, 51);  // up to the longer run
  ASSERT_GE(p.metrics.size(), 2u);
  EXPECT_EQ(p.metrics[0].key, "f_data");
  ASSERT_EQ(p.metrics[0].series.size(), 2u);
  EXPECT_EQ(p.metrics[0].series[1].name, "b");
  const auto kl = std::find_if(p.metrics.begin(), p.metrics.end(), [](const CompareMetric& m) { return m.key == "kl"; });
  ASSERT_NE(kl, p.metrics.end());
  EXPECT_EQ(kl->series.size(), 1u);
  EXPECT_EQ(std::count_if(p.metrics.begin(), p.metrics.end(), [](const CompareMetric& m) { return m.key == "fd"; }), 0)
      << "no run evaluated: no FD panel";
}

TEST(RunPaths, RotatedCheckpointsAreSaidToBeBackups) {
  EXPECT_EQ(checkpoint_note("latest.safetensors"), "newest");
  EXPECT_EQ(checkpoint_note("latest.1.safetensors"), "backup: previous");
  EXPECT_EQ(checkpoint_note("latest.2.safetensors"), "backup: older");
  EXPECT_NE(checkpoint_explanation("latest.1.safetensors").find("renames latest to latest.1"), std::string::npos);
  EXPECT_NE(checkpoint_explanation("latest.2.safetensors").find("before latest.1"), std::string::npos);
  EXPECT_EQ(checkpoint_note("mine.safetensors"), "");
  const std::string dir = image_run("paths", 0.1, 1);
  fs::create_directories(dir + "/checkpoints");
  write(dir + "/checkpoints/latest.1.safetensors", "x");
  EXPECT_EQ(run_dir_of(dir + "/checkpoints/latest.1.safetensors"), dir);
  EXPECT_EQ(run_dir_of(dir + "/config.json"), dir);
  EXPECT_EQ(run_dir_of(dir + "/"), dir);
}

}  // namespace
}  // namespace shortrun::explorer

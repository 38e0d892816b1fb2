// Issue 25 in the explorer, headless: the long-run health lines and buffer statistics of a
// metrics.jsonl (a fixture in the trainer's exact shape) read by the Training tab's follower and
// placed on its plots; the replay-buffer file reader and age histogram; the raw/EMA weights pick.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <torch/torch.h>

#include "shortrun/base/error.h"
#include "shortrun/sampling/noise.h"
#include "shortrun/training/replay_buffer.h"
#include "views/run_data/run_watch.h"
#include "views/training/buffer_job.h"
#include "views/training/health_plots.h"
#include "views/training/training_plots.h"
#include "worker/weights_pick.h"

#ifndef SHORTRUN_EXPLORER_TEST_FIXTURES
#error "SHORTRUN_EXPLORER_TEST_FIXTURES must name tests/explorer/fixtures"
#endif

namespace shortrun::explorer {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("shortrun_training_health_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::shared_ptr<const RunSnapshot> read_all(RunWatch& w, int64_t records) {
  const auto end = std::chrono::steady_clock::now() + 120s;  // only a hang reaches this
  while (std::chrono::steady_clock::now() < end) {
    auto s = w.snapshot();
    if (s->records >= records) return s;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "read " << w.snapshot()->records << " of " << records << " lines";
  return w.snapshot();
}

TEST(TrainingHealth, LongRunLinesOfTheFixtureAreParsedAndPlotted) {
  const std::string dir = fresh_dir("fixture");
  fs::copy_file(std::string(SHORTRUN_EXPLORER_TEST_FIXTURES) + "/long_run_metrics.jsonl", dir + "/metrics.jsonl");
  RunWatch watch(dir, false);
  const auto snap = read_all(watch, 10);
  // Three well-formed long_run events; the one without an iteration and the one with a string
  // iteration are left out, the eval event is not one.
  const std::vector<LongRunPoint>& lr = snap->long_run.items();
  ASSERT_EQ(lr.size(), 3u);
  EXPECT_EQ(lr[0].iteration, 10);
  EXPECT_EQ(lr[0].k, 20);
  EXPECT_EQ(lr[0].k2, 200);
  EXPECT_EQ(lr[0].chains, 16);
  EXPECT_DOUBLE_EQ(lr[0].drift, 0.5);
  EXPECT_DOUBLE_EQ(lr[0].drift_p10, 0.1);
  EXPECT_DOUBLE_EQ(lr[0].drift_p90, 0.9);
  EXPECT_DOUBLE_EQ(lr[0].fd_short, 120.5);
  EXPECT_DOUBLE_EQ(lr[0].fd_long, 180.25);
  EXPECT_DOUBLE_EQ(lr[0].energy_long, 0.4);
  EXPECT_DOUBLE_EQ(lr[0].saturated_long, 0.05);
  EXPECT_DOUBLE_EQ(lr[0].seconds, 1.5);
  EXPECT_TRUE(std::isnan(lr[1].fd_short)) << "fd_short null is no number";
  EXPECT_TRUE(std::isnan(lr[1].fd_long));
  EXPECT_EQ(lr[2].iteration, 30);
  // Buffer statistics of the three lines that have them; a field of another type is NaN.
  const std::vector<BufferStats>& b = snap->buffer.items();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_DOUBLE_EQ(b[1].mean_age, 2.5);
  EXPECT_DOUBLE_EQ(b[1].reinit_total, 7);
  EXPECT_TRUE(std::isnan(b[2].max_age));
  EXPECT_EQ(snap->fd.size(), 1u);  // the eval event is still the evaluation FD

  const TrainingPlots tp = make_training_plots(*snap);
  IterationGrid g;
  g.scale = tp.x_scale;
  g.count = tp.x_count;
  const HealthPlots h = make_health_plots(*snap, g);
  EXPECT_EQ(h.checks, 3);
  EXPECT_EQ(h.fd_checks, 2);
  ASSERT_EQ(h.drift.size(), 2u);  // the zero line and the drift
  const PlotSeries& d = h.drift[1];
  ASSERT_EQ(d.band_lo.size(), d.y.size());
  ASSERT_EQ(d.band_hi.size(), d.y.size());
  const int i10 = g.index(10), i30 = g.index(30);
  EXPECT_FLOAT_EQ(d.y[size_t(i10)], 0.5f);
  EXPECT_FLOAT_EQ(d.band_lo[size_t(i10)], 0.1f);
  EXPECT_FLOAT_EQ(d.band_hi[size_t(i10)], 0.9f);
  EXPECT_FLOAT_EQ(d.y[size_t(i30)], 0.05f);
  for (size_t i = 0; i < d.y.size(); ++i)
    if (std::isfinite(d.y[i])) {
      EXPECT_LE(d.band_lo[i], d.y[i]) << i;
      EXPECT_GE(d.band_hi[i], d.y[i]) << i;
    }
  ASSERT_EQ(h.fd.size(), 2u);
  EXPECT_FLOAT_EQ(h.fd[0].y[size_t(i10)], 120.5f);
  EXPECT_FLOAT_EQ(h.fd[1].y[size_t(i30)], 112.0f);
  EXPECT_NE(h.last.find("iteration 30"), std::string::npos) << h.last;
  EXPECT_NE(h.last.find("112"), std::string::npos) << h.last;
  EXPECT_EQ(h.buffer_points, 3);
  EXPECT_FLOAT_EQ(h.reinit[0].y[size_t(g.index(20))], 7.0f);
}

TEST(TrainingHealth, AgeHistogramCountsEveryChainOnce) {
  std::vector<int64_t> ages;
  for (int i = 0; i < 1000; ++i) ages.push_back((i * 37) % 97);
  const AgeHistogram h = age_histogram(ages, 40);
  EXPECT_EQ(h.total(), 1000);
  EXPECT_LE(h.counts.size(), 40u);
  EXPECT_EQ(h.first, 0);
  EXPECT_GE(h.first + h.width * int64_t(h.counts.size()), 97);
  const AgeHistogram one = age_histogram({5, 5, 5}, 40);
  ASSERT_EQ(one.counts.size(), 1u);
  EXPECT_EQ(one.counts[0], 3);
  EXPECT_EQ(age_histogram({}, 40).total(), 0);
}

TEST(TrainingHealth, BufferFileIsReadAndBadOnesAreOneLine) {
  const std::string dir = fresh_dir("buffer");
  DataShape shape;
  shape.channels = 1;
  shape.height = 8;
  shape.width = 8;
  ReplayBuffer buffer(50, shape, CounterNoise(3), torch::kCPU);
  const std::string path = dir + "/latest.buffer.safetensors";
  buffer.save(path);
  const BufferContents c = read_buffer_file(path, 16);
  EXPECT_EQ(c.size, 50);
  EXPECT_EQ(c.ages.size(), 50u);
  EXPECT_EQ(c.shown.size(), 16u);
  EXPECT_EQ(c.images.size(), 16u * 64u);
  EXPECT_EQ(c.weights, dir + "/latest.safetensors");
  EXPECT_EQ(age_histogram(c.ages).total(), 50);
  for (float v : c.images) ASSERT_TRUE(v >= -1.0f && v <= 1.0f);
  // Another image shape than its checkpoint's.
  const ImageShape other{0, 3, 8, 8};
  EXPECT_THROW(read_buffer_file(path, 16, &other), Error);
  // Truncated: one line naming the file.
  const std::string cut = dir + "/cut.buffer.safetensors";
  fs::copy_file(path, cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  try {
    read_buffer_file(cut, 16);
    ADD_FAILURE() << "a truncated buffer was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(cut), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  // Not a buffer at all.
  const std::string junk = dir + "/junk.buffer.safetensors";
  std::ofstream(junk) << "not a safetensors file";
  EXPECT_THROW(read_buffer_file(junk, 16), Error);
  EXPECT_EQ(buffer_weights_path("/r/checkpoints/latest.1.buffer.safetensors"), "/r/checkpoints/latest.1.safetensors");
  EXPECT_EQ(buffer_weights_path("/r/model.safetensors"), "");
}

// Issue 27: the Training tab shows a data-parallel run's world size, from its config.json.
TEST(TrainingHealth, WorldSizeComesFromTheRunsConfig) {
  const std::string dir = fresh_dir("world");
  std::ofstream(dir + "/metrics.jsonl") << "{\"iteration\": 2, \"f_data\": 0.5}\n";
  std::ofstream(dir + "/config.json") << R"({"data": "fashion-mnist", "batch": 64, "world_size": 2})";
  {
    RunWatch watch(dir, false);
    const auto snap = read_all(watch, 1);
    ASSERT_TRUE(snap->settings);
    EXPECT_EQ(run_world_size(*snap->settings), 2);
  }
  const auto world_of = [&](const std::string& config) {
    std::ofstream(dir + "/config.json") << config;
    return run_world_size(read_run_settings(dir));
  };
  EXPECT_EQ(world_of(R"({"batch": 64})"), 1) << "a run from before world_size was recorded";
  EXPECT_EQ(world_of(R"({"world_size": 8})"), 8);
  EXPECT_EQ(world_of(R"({"world_size": "two"})"), 1);
  EXPECT_EQ(world_of(R"({"world_size": 0})"), 1);
  EXPECT_EQ(world_of(R"({"world_size": 1e300})"), 1);
  fs::remove(dir + "/config.json");
  std::ofstream(dir + "/settings.json") << R"({"world_size": 3})";  // a 2-D run's settings say nothing of ranks
  EXPECT_EQ(run_world_size(read_run_settings(dir)), 1);
}

TEST(TrainingHealth, WeightsPickPrefersEmaUnlessToldRaw) {
  const std::string dir = fresh_dir("weights");
  const std::string raw = dir + "/model.safetensors", ema = dir + "/model.ema.safetensors";
  std::ofstream(raw) << "x";
  WeightsPick none = pick_weights(raw, "auto");
  EXPECT_FALSE(none.uses_ema);
  EXPECT_FALSE(none.has_choice());
  EXPECT_EQ(weights_flag(none), "");
  EXPECT_THROW(pick_weights(raw, "ema"), Error);
  std::ofstream(ema) << "y";
  const WeightsPick a = pick_weights(raw, "auto");
  EXPECT_TRUE(a.uses_ema);
  EXPECT_EQ(a.load, ema);
  EXPECT_TRUE(a.has_choice());
  EXPECT_EQ(weights_flag(a), "");
  const WeightsPick r = pick_weights(raw, "raw");
  EXPECT_EQ(r.load, raw);
  EXPECT_EQ(weights_flag(r), " --weights raw");
  const WeightsPick from_ema = pick_weights(ema, "raw");  // the EMA file stands for the pair
  EXPECT_EQ(from_ema.load, raw);
  EXPECT_EQ(from_ema.ema, ema);
  EXPECT_THROW(pick_weights(raw, "best"), Error);
}

}  // namespace
}  // namespace shortrun::explorer

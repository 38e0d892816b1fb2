// The Training tab's follower (run_watch.h) and its plots (training_plots.h), headless, on files
// of issue 22: 10,000 rollback lines, a million lines, a line far over the length limit. What it
// keeps and what the plots draw every frame are counted, not timed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "views/run_data/run_watch.h"
#include "views/training/training_plots.h"

namespace shortrun::explorer {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("shortrun_run_watch_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// Waits (a bounded number of rounds, not a time) until the watch has read `records` lines.
std::shared_ptr<const RunSnapshot> read_all(RunWatch& w, int64_t records) {
  const auto end = std::chrono::steady_clock::now() + 300s;  // only a hang reaches this
  while (std::chrono::steady_clock::now() < end) {
    auto s = w.snapshot();
    if (s->records >= records) return s;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "read " << w.snapshot()->records << " of " << records << " lines";
  return w.snapshot();
}

TEST(RunWatch, TenThousandRollbacksAreAFewMarkersPerPlot) {
  const std::string dir = fresh_dir("rollbacks");
  {
    std::ofstream out(dir + "/metrics.jsonl");
    char line[200];
    for (int i = 0; i <= 200; ++i) {
      std::snprintf(line, sizeof line, "{\"iteration\": %d, \"f_data\": 1.5, \"f_samples\": 1.0, \"gap\": 0.5}\n", i * 10);
      out << line;
    }
    for (int r = 0; r < 10000; ++r) {
      std::snprintf(line, sizeof line, "{\"event\": \"rollback\", \"iteration\": %d, \"reason\": \"gap\"}\n", (r * 7919) % 2000);
      out << line;
    }
  }
  RunWatch watch(dir);
  const auto snap = read_all(watch, 10201);
  EXPECT_EQ(snap->rollback_count, 10000);
  EXPECT_LE(snap->rollbacks.size(), 2 * RunSnapshot::kMaxMarkers);
  EXPECT_LE(snap->curves.events.size(), RunCurves::kMaxEvents);
  const TrainingPlots plots = make_training_plots(*snap);
  // One marker per grid point at most (they were 10,000 red lines in each of five plots).
  EXPECT_LE(int(plots.rollbacks.size()), plots.x_count);
  EXPECT_TRUE(std::is_sorted(plots.rollbacks.begin(), plots.rollbacks.end()));
  EXPECT_EQ(std::adjacent_find(plots.rollbacks.begin(), plots.rollbacks.end()), plots.rollbacks.end());
  EXPECT_GT(plots.rollbacks.size(), 100u);  // still spread over the run
  // One message for the round, not one per line.
  int rollback_messages = 0;
  for (const auto& m : snap->messages) rollback_messages += m.find("rollback") != std::string::npos;
  EXPECT_LE(rollback_messages, int(RunWatch::kMaxMessages));
}

TEST(RunWatch, AMillionLinesKeepEverySnapshotBounded) {
  const std::string dir = fresh_dir("million");
  {
    std::ofstream out(dir + "/metrics.jsonl");
    char line[300];
    for (int i = 1; i <= 1000000; ++i) {
      if (i % 4 == 0) {
        std::snprintf(line, sizeof line, "{\"event\": \"%s\", \"iteration\": %d, \"fd\": %d.25}\n", i % 8 ? "eval" : "rollback", i, i);
      } else {
        std::snprintf(line, sizeof line,
                      "{\"iteration\": %d, \"f_data\": 1, \"gap\": %d, \"grad_norm_k\": [1, 2, 3], \"step_norm_profile\": [1, 2, 3, 4]}\n",
                      i, i % 97);
      }
      out << line;
    }
  }
  RunWatch watch(dir);
  const auto snap = read_all(watch, 1000000);
  for (const auto& [key, points] : snap->curves.series) EXPECT_LE(points.size(), 2 * RunCurves::kMaxPoints) << key;
  EXPECT_LE(snap->grad_k.size(), 2 * RunSnapshot::kMaxPoints);
  EXPECT_LE(snap->step_profiles.size(), 2 * RunSnapshot::kMaxProfiles);
  EXPECT_LE(snap->fd.size(), 2 * RunSnapshot::kMaxPoints);
  EXPECT_LE(snap->rollbacks.size(), 2 * RunSnapshot::kMaxMarkers);
  EXPECT_EQ(snap->rollback_count, 125000);
  EXPECT_EQ(snap->curves.event_count, 250000);
  EXPECT_EQ(snap->last_iteration, 1000000);
  EXPECT_EQ(snap->bytes_read, int64_t(fs::file_size(dir + "/metrics.jsonl")));
  const TrainingPlots plots = make_training_plots(*snap);
  EXPECT_LE(plots.x_count, TrainingPlots::kMaxPoints);
  EXPECT_EQ(plots.best_fd_iteration, 4);  // FD 4.25, the lowest
}

TEST(RunWatch, ALineOverTheLimitIsSkippedWithAMessage) {
  const std::string dir = fresh_dir("long_line");
  {
    std::ofstream out(dir + "/metrics.jsonl");
    out << "{\"iteration\": 1, \"gap\": 1}\n";
    out << std::string(20 << 20, 'x');  // 20 MB without a newline yet
  }
  RunWatch watch(dir);
  read_all(watch, 1);
  const auto end = std::chrono::steady_clock::now() + 300s;
  while (watch.snapshot()->bytes_read < (20 << 20) && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
  ASSERT_GE(watch.snapshot()->bytes_read, 20 << 20) << "the snapshot never showed the long line read";
  EXPECT_EQ(watch.snapshot()->long_lines, 1);  // said before its end arrives
  {
    std::ofstream out(dir + "/metrics.jsonl", std::ios::app);
    out << "\n{\"iteration\": 2, \"gap\": 2}\n";
  }
  const auto after = read_all(watch, 2);
  EXPECT_EQ(after->long_lines, 1);
  EXPECT_EQ(after->bad_lines, 0);
  bool said = false;
  for (const auto& m : after->messages) said |= m.find("SHORTRUN_MAX_METRICS_LINE_BYTES") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(after->curves.series.at("gap").size(), 2u);
}

TEST(TrainingPlots, IterationsFromAHostileFileStayOnTheAxis) {
  RunSnapshot s;
  s.last_iteration = INT64_MAX;
  s.rollbacks.push(1e300);
  s.rollbacks.push(NAN);
  s.rollbacks.push(-5);
  s.fd.push({NAN, 3.0});
  s.curves.series["f_data"].push({0, 1});
  s.curves.series["f_data"].push({1e18, 2});
  const TrainingPlots p = make_training_plots(s);
  EXPECT_LE(p.x_count, TrainingPlots::kMaxPoints);
  EXPECT_GT(p.x_scale, 0);
  for (int r : p.rollbacks) EXPECT_TRUE(r >= 0 && r < p.x_count);
}

}  // namespace
}  // namespace shortrun::explorer

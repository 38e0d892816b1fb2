// The live view's run follower: incremental tailing, half-written lines, truncated and replaced
// files, checkpoints renamed under it, the run directory deleted while attached, and a real
// trainer (stopped and resumed, which rewrites metrics.jsonl) followed to the end; and the bounds
// (line length, points, events, work per poll) checked by counting, not timing.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "shortrun/io/decimated.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/run_follower.h"
#include "shortrun/training/trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {
namespace fs = std::filesystem;

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text << std::flush;
}

std::string line(int it, double gap) {
  return nlohmann::json{{"iteration", it}, {"gap", gap}}.dump() + "\n";
}

TEST(RunFollower, TailsIncrementallyAndWaitsForAHalfWrittenLine) {
  const std::string dir = test::temp_dir("run"), m = dir + "/metrics.jsonl";
  append(m, line(1, 0.5) + line(2, 0.25) + line(3, 0.125));
  RunFollower f(dir);
  RunUpdate u = f.poll();
  ASSERT_EQ(u.records.size(), 3u);
  EXPECT_FALSE(u.restarted);
  EXPECT_EQ(u.records[2]["iteration"], 3);
  EXPECT_TRUE(f.poll().records.empty());  // nothing new
  append(m, line(4, 1.0));
  append(m, R"({"iteration": 5, "ga)");  // the trainer is mid-write
  u = f.poll();
  ASSERT_EQ(u.records.size(), 1u);
  EXPECT_EQ(u.records[0]["iteration"], 4);
  append(m, R"(p": 2.0})" "\n");
  u = f.poll();
  ASSERT_EQ(u.records.size(), 1u);
  EXPECT_EQ(u.records[0]["gap"], 2.0);
  EXPECT_EQ(u.bad_lines, 0);
  // Each byte was read once: the file is never read whole again.
  EXPECT_EQ(f.bytes_read(), int64_t(fs::file_size(m)));
  EXPECT_EQ(f.offset(), int64_t(fs::file_size(m)));
  // A garbled complete line is skipped and counted, the next one still arrives.
  append(m, "not json\n" + line(6, 3.0));
  u = f.poll();
  EXPECT_EQ(u.bad_lines, 1);
  ASSERT_EQ(u.records.size(), 1u);
  // A large backlog arrives over several bounded polls.
  std::string many;
  for (int i = 7; i < 1000; ++i) many += line(i, i);
  append(m, many);
  RunFollower small(dir, 4096);
  size_t total = 0;
  int polls = 0;
  for (bool more = true; more; ++polls) {
    const RunUpdate part = small.poll();
    total += part.records.size();
    more = part.more;
  }
  EXPECT_EQ(total, 999u);
  EXPECT_GT(polls, 5);
}

TEST(RunFollower, StartsOverWhenTheFileIsTruncatedReplacedOrRewritten) {
  const std::string dir = test::temp_dir("run"), m = dir + "/metrics.jsonl";
  append(m, line(1, 1) + line(2, 2) + line(3, 3));
  RunFollower f(dir);
  RunCurves curves;
  curves.apply(f.poll());
  ASSERT_EQ(curves.series["gap"].size(), 3u);
  // Truncated in place (shorter): start over.
  { std::ofstream(m, std::ios::trunc) << line(1, 10); }
  RunUpdate u = f.poll();
  EXPECT_TRUE(u.restarted);
  EXPECT_NE(u.message.find("truncated"), std::string::npos) << u.message;
  curves.apply(u);
  ASSERT_EQ(curves.series["gap"].size(), 1u);
  EXPECT_EQ(curves.series["gap"].items()[0].second, 10);
  // Replaced by rename (what the trainer's atomic writes do on resume and rollback).
  {
    std::ofstream(dir + "/tmp") << line(1, 20) << line(2, 21);
    fs::rename(dir + "/tmp", m);
  }
  u = f.poll();
  EXPECT_TRUE(u.restarted);
  EXPECT_NE(u.message.find("replaced"), std::string::npos) << u.message;
  curves.apply(u);
  ASSERT_EQ(curves.series["gap"].size(), 2u);
  EXPECT_EQ(curves.series["gap"].items()[1].second, 21);
  // Rewritten in place, longer than before, same inode: the bytes before the offset changed.
  { std::ofstream(m, std::ios::trunc) << line(1, 30) << line(2, 31) << line(3, 32); }
  u = f.poll();
  EXPECT_TRUE(u.restarted);
  curves.apply(u);
  ASSERT_EQ(curves.series["gap"].size(), 3u);
  EXPECT_EQ(curves.series["gap"].items()[0].second, 30);
}

TEST(RunFollower, ChecksCheckpointsAndSampleGridsAsTheyAreRenamed) {
  const std::string dir = test::temp_dir("run");
  fs::create_directories(dir + "/checkpoints");
  fs::create_directories(dir + "/samples");
  RunFollower f(dir);
  EXPECT_TRUE(f.checkpoints().empty());
  EXPECT_EQ(f.latest_sample_grid(), "");
  std::ofstream(dir + "/checkpoints/latest.safetensors") << "a";
  for (const char* s : {"iter_000010.png", "iter_000200.png", "iter_000030.png", "iter_000300.txt", "other.png"})
    std::ofstream(dir + "/samples/" + s) << "x";
  EXPECT_EQ(fs::path(f.latest_sample_grid()).filename(), "iter_000200.png");
  EXPECT_EQ(fs::path(f.latest_sample_grid(199)).filename(), "iter_000030.png");  // 200 rolled back
  EXPECT_EQ(f.latest_sample_grid(5), "");
  ASSERT_EQ(f.checkpoints().size(), 1u);
  // The trainer's rotation: latest -> latest.1, a new latest.
  fs::rename(dir + "/checkpoints/latest.safetensors", dir + "/checkpoints/latest.1.safetensors");
  std::ofstream(dir + "/checkpoints/latest.safetensors") << "bb";
  // A name that points nowhere (removed while listed) is left out, not an error.
  fs::create_symlink(dir + "/checkpoints/gone", dir + "/checkpoints/dangling.safetensors");
  const auto list = f.checkpoints();
  ASSERT_EQ(list.size(), 2u);
  std::vector<std::string> names = {list[0].name, list[1].name};
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"latest.1.safetensors", "latest.safetensors"}));
  for (const auto& c : list)
    if (c.name == "latest.safetensors") EXPECT_EQ(c.bytes, 2);
}

TEST(RunFollower, TheRunDirectoryDeletedWhileAttachedIsAMessage) {
  const std::string dir = test::temp_dir("run"), m = dir + "/metrics.jsonl";
  append(m, line(1, 1) + line(2, 2));
  RunFollower f(dir);
  RunCurves curves;
  curves.apply(f.poll());
  fs::remove_all(dir);
  RunUpdate u = f.poll();
  EXPECT_TRUE(u.missing);
  EXPECT_TRUE(u.records.empty());
  EXPECT_FALSE(u.restarted);
  EXPECT_NE(u.message.find("no longer exists"), std::string::npos) << u.message;
  curves.apply(u);
  EXPECT_EQ(curves.series["gap"].size(), 2u);  // the curves stay as they were
  EXPECT_EQ(f.poll().message, "");             // said once
  EXPECT_TRUE(f.checkpoints().empty());
  EXPECT_EQ(f.latest_sample_grid(), "");
  // A new run in its place is read from its start.
  fs::create_directories(dir);
  append(m, line(1, 7));
  u = f.poll();
  EXPECT_FALSE(u.missing);
  EXPECT_TRUE(u.restarted);
  curves.apply(u);
  ASSERT_EQ(curves.series["gap"].size(), 1u);
  EXPECT_EQ(curves.series["gap"].items()[0].second, 7);
}

// A run deleted file by file (rm -r) is seen mid-way: its metrics gone, the directory still
// there. The message then says the file is missing, and when the directory goes too it says
// so: the explorer once kept showing "not there (yet)" for a deleted run.
TEST(RunFollower, ARunDeletedFileByFileEndsSaidToBeGone) {
  const std::string dir = test::temp_dir("run"), m = dir + "/metrics.jsonl";
  append(m, line(1, 1));
  RunFollower f(dir);
  EXPECT_FALSE(f.poll().missing);
  fs::remove(m);
  RunUpdate u = f.poll();
  EXPECT_TRUE(u.missing);
  EXPECT_NE(u.message.find("is not there (yet)"), std::string::npos) << u.message;
  EXPECT_EQ(f.poll().message, "");  // said once
  fs::remove_all(dir);
  u = f.poll();
  EXPECT_TRUE(u.missing);
  EXPECT_NE(u.message.find("no longer exists"), std::string::npos) << u.message;
  EXPECT_EQ(f.poll().message, "");
}

TEST(RunFollower, FollowsARealTrainerThroughStopAndResume) {
  TrainerConfig c;
  c.data = "idx:" + test::fixture("tiny-images-idx3-ubyte.gz");
  c.arch.nf = 4;
  c.sampler.steps = 2;
  c.batch = 4;
  c.iters = 7;
  c.log_every = 2;
  c.checkpoint_every = 3;
  c.sample_every = 2;
  const std::string dir = test::temp_dir("run");
  const Dataset data = load_dataset(c.data);
  RunFollower f(dir);
  RunCurves curves;
  std::atomic<bool> stop{false};
  {
    Trainer t(c, dir, torch::kCPU);
    // Polled from the trainer's own callback here; a GUI polls from its thread (same file ops).
    t.run(data, &stop, [&](const TrainProgress& p) {
      curves.apply(f.poll());
      if (p.iteration == 4) stop = true;
    });
  }
  curves.apply(f.poll());
  Trainer r = Trainer::resume(dir, torch::kCPU);  // trims metrics.jsonl: a rewritten file
  r.run(data, nullptr, [&](const TrainProgress&) { curves.apply(f.poll()); });
  for (bool more = true; more;) {
    const RunUpdate u = f.poll();
    curves.apply(u);
    more = u.more;
  }
  // What the follower shows equals the file as it now stands.
  RunCurves whole;
  RunFollower fresh(dir);
  whole.apply(fresh.poll());
  EXPECT_EQ(curves.series["gap"].items(), whole.series["gap"].items());
  EXPECT_EQ(curves.series["gap"].back().first, 7);
  EXPECT_FALSE(f.checkpoints().empty());
  EXPECT_EQ(fs::path(f.latest_sample_grid()).filename(), "iter_000007.png");
}

// --- Bounds (issue 22): counted, not timed. ---

TEST(Decimated, KeepsAtMostTwiceItsCapEvenlyAndTheNewestLast) {
  Decimated<int64_t> d(100);
  for (int64_t i = 0; i < 1000000; ++i) {
    d.push(i);
    ASSERT_LE(d.size(), 200u);
    ASSERT_EQ(d.back(), i);
  }
  EXPECT_EQ(d.pushed(), 1000000);
  const auto& v = d.items();
  EXPECT_EQ(v.front(), 0);
  // Every kept item but the newest lies on the stride, in order.
  for (size_t j = 0; j + 1 < v.size(); ++j) EXPECT_EQ(v[j], int64_t(j) * d.stride());
  EXPECT_GE(v.size(), 100u);
  d.clear();
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.stride(), 1);
}

TEST(RunFollower, AnOverLongLineIsSkippedNeverBufferedWhole) {
  const std::string dir = test::temp_dir("run"), m = dir + "/metrics.jsonl";
  const int64_t limit = 64 << 10;
  append(m, line(1, 1.0));
  RunFollower f(dir, 256 << 10, limit);
  EXPECT_EQ(f.poll().records.size(), 1u);
  // 6 MB of one line with no newline yet (a trainer gone mad, or a hostile file).
  const std::string chunk(1 << 20, 'x');
  int64_t long_lines = 0;
  std::string message;
  for (int i = 0; i < 6; ++i) {
    append(m, chunk);
    for (bool more = true; more;) {
      const RunUpdate u = f.poll();
      EXPECT_TRUE(u.records.empty());
      EXPECT_EQ(u.bad_lines, 0);
      EXPECT_LE(f.buffered(), size_t(limit));
      long_lines += u.long_lines;
      if (!u.message.empty()) message = u.message;
      more = u.more;
    }
  }
  EXPECT_EQ(long_lines, 1);
  EXPECT_NE(message.find("SHORTRUN_MAX_METRICS_LINE_BYTES"), std::string::npos) << message;
  EXPECT_NE(message.find("longer than 65536 bytes"), std::string::npos) << message;
  // Its end and the next lines: the rest of the long line is dropped, not parsed as garbage.
  append(m, "yyyy\n" + line(2, 2.0) + std::string(100000, 'z') + "\n" + line(3, 3.0));
  std::vector<nlohmann::json> records;
  for (bool more = true; more;) {
    RunUpdate u = f.poll();
    EXPECT_EQ(u.bad_lines, 0);
    long_lines += u.long_lines;
    records.insert(records.end(), u.records.begin(), u.records.end());
    more = u.more;
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["iteration"], 2);
  EXPECT_EQ(records[1]["iteration"], 3);
  EXPECT_EQ(long_lines, 2);  // the complete 100,000-byte line too
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(RunFollower, TheLineLimitComesFromItsVariable) {
  const std::string dir = test::temp_dir("run");
  ::setenv("SHORTRUN_MAX_METRICS_LINE_BYTES", "1000", 1);
  RunFollower f(dir);
  EXPECT_EQ(f.max_line_bytes(), 1000);
  ::setenv("SHORTRUN_MAX_METRICS_LINE_BYTES", "-3", 1);
  RunFollower g(dir);  // never throws: a bad value is said once and the default used
  EXPECT_EQ(g.max_line_bytes(), kMaxMetricsLineBytes.default_value);
  std::ofstream(dir + "/metrics.jsonl") << line(1, 1);
  EXPECT_NE(g.poll().message.find("SHORTRUN_MAX_METRICS_LINE_BYTES"), std::string::npos);
  ::unsetenv("SHORTRUN_MAX_METRICS_LINE_BYTES");
}

// A million lines, half of them rollback events, plus a line of 5,000 keys: each poll's work is
// bounded by its byte budget, and what RunCurves keeps is bounded however long the file is.
TEST(RunFollower, AMillionLinesKeepBoundedCurvesAndEvents) {
  const std::string dir = test::temp_dir("run"), m = dir + "/metrics.jsonl";
  {
    std::ofstream out(m, std::ios::binary);
    char buf[160];
    for (int i = 1; i <= 500000; ++i) {
      std::snprintf(buf, sizeof buf, "{\"iteration\": %d, \"gap\": %d.5, \"f_data\": 1}\n{\"event\": \"rollback\", \"iteration\": %d, \"reason\": \"r\"}\n",
                    i, i, i / 2);
      out << buf;
    }
    std::string keys = "{\"iteration\": 500000";
    for (int k = 0; k < 5000; ++k) keys += ", \"k" + std::to_string(k) + "\": 1";
    out << keys << "}\n";
  }
  const int64_t budget = 1 << 20;
  RunFollower f(dir, budget);
  RunCurves curves;
  int64_t records = 0, polls = 0;
  size_t most_records = 0;
  for (bool more = true; more; ++polls) {
    const RunUpdate u = f.poll();
    records += int64_t(u.records.size());
    most_records = std::max(most_records, u.records.size());
    curves.apply(u);
    ASSERT_LE(curves.series.size(), RunCurves::kMaxSeries);
    for (const auto& [key, points] : curves.series) ASSERT_LE(points.size(), 2 * RunCurves::kMaxPoints) << key;
    ASSERT_LE(curves.events.size(), RunCurves::kMaxEvents);
    more = u.more;
  }
  EXPECT_EQ(records, 1000001);
  EXPECT_EQ(f.bytes_read(), int64_t(fs::file_size(m)));
  EXPECT_GE(polls, int64_t(fs::file_size(m)) / budget);
  EXPECT_LE(most_records, size_t(budget / 40));  // no line is shorter than 40 bytes
  EXPECT_EQ(curves.event_count, 500000);
  EXPECT_EQ(curves.events.back()["iteration"], 250000);  // the newest kept
  EXPECT_EQ(curves.keys_dropped, 5000 - int64_t(RunCurves::kMaxSeries - 2));  // gap, f_data came first
  const auto& gap = curves.series.at("gap");
  EXPECT_EQ(gap.pushed(), 500000);
  EXPECT_EQ(gap.back().first, 500000);  // the newest point is always there
  EXPECT_EQ(gap.items().front().first, 1);
}

}  // namespace
}  // namespace shortrun

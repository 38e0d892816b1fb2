// The views' torch thread (view_jobs.h), headless: jobs report progress and a time left, a stop
// ends a running job and drops a queued one, a newer job of a kind supersedes the older, errors
// are kept with a version, the model cache reads a file once, and view job ids never collide
// with the chains worker's (Session routes a stop by id). A result slot cleared by a model change
// drops what the job that was running publishes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "shortrun/io/model_paths.h"
#include "worker/view_jobs.h"
#include "worker/view_result.h"

namespace shortrun::explorer {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds timeout = 60s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

// A job that counts to `total`, one unit per ms, until stopped; `seen` records how far it got.
std::function<void(ViewJob&)> counting(int total, std::atomic<int>* seen) {
  return [total, seen](ViewJob& job) {
    for (int i = 1; i <= total && !job.cancelled(); ++i) {
      std::this_thread::sleep_for(1ms);
      job.progress(i, total);
      seen->store(i);
    }
  };
}

TEST(ViewJobs, ProgressShowsInTheJobListWithATimeLeft) {
  ViewJobs jobs("cpu", 1);
  std::atomic<int> seen{0};
  const uint64_t id = jobs.post("long_run", "continuing 4 chains", "step", counting(100000, &seen));
  EXPECT_GE(id, kViewJobIdBase);
  ASSERT_TRUE(eventually([&] { return seen.load() > 20; }));
  const std::vector<JobStatus> list = jobs.jobs();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kind, "long_run");
  EXPECT_EQ(list[0].state, "running");
  EXPECT_EQ(list[0].unit, "step");
  EXPECT_EQ(list[0].total, 100000);
  EXPECT_GT(list[0].done, 0);
  EXPECT_GT(list[0].eta_s, 0.0);
  EXPECT_TRUE(jobs.cancel(id));
  ASSERT_TRUE(eventually([&] { return jobs.idle(); }));
  EXPECT_LT(seen.load(), 100000);
  EXPECT_FALSE(jobs.cancel(id));  // gone
}

TEST(ViewJobs, ANewerJobOfAKindSupersedesAndOtherKindsQueue) {
  ViewJobs jobs("cpu", 1);
  std::atomic<int> first{0}, second{0}, other{0};
  jobs.post("sweep", "sheet 1", "cell", counting(100000, &first));
  ASSERT_TRUE(eventually([&] { return first.load() > 0; }));
  const uint64_t queued = jobs.post("ood", "scores", "image", counting(3, &other));
  jobs.post("sweep", "sheet 2", "cell", counting(5, &second));  // stops sheet 1; the ood job keeps its place
  ASSERT_TRUE(eventually([&] { return jobs.idle(); }));
  EXPECT_LT(first.load(), 100000);
  EXPECT_EQ(other.load(), 3);
  EXPECT_EQ(second.load(), 5);
  // A queued job can be dropped before it starts.
  std::atomic<int> blocker{0}, dropped{0};
  jobs.post("long_run", "long", "step", counting(100000, &blocker));
  const uint64_t drop = jobs.post("compare", "ab", "step", counting(5, &dropped));
  EXPECT_NE(drop, queued);
  ASSERT_EQ(jobs.jobs().size(), 2u);
  EXPECT_EQ(jobs.jobs()[1].state, "queued");
  EXPECT_TRUE(jobs.cancel(drop));
  jobs.cancel_all();
  ASSERT_TRUE(eventually([&] { return jobs.idle(); }));
  EXPECT_EQ(dropped.load(), 0);
}

TEST(ViewJobs, ErrorsAreKeptWithAVersionAndTheThreadGoesOn) {
  ViewJobs jobs("cpu", 1);
  EXPECT_EQ(jobs.error().second, 0u);
  jobs.post("ood", "scores", "image", [](ViewJob& job) { job.model("/nonexistent/model.safetensors"); });
  ASSERT_TRUE(eventually([&] { return jobs.idle() && jobs.error().second == 1; }));
  EXPECT_NE(jobs.error().first.find("/nonexistent/model.safetensors"), std::string::npos) << jobs.error().first;
  std::atomic<int> after{0};
  jobs.post("ood", "scores", "image", counting(2, &after));
  ASSERT_TRUE(eventually([&] { return jobs.idle(); }));
  EXPECT_EQ(after.load(), 2);
}

TEST(ViewJobs, AModelIsReadOnceAndKeptForLaterJobs) {
  ViewJobs jobs("cpu", 1);
  const std::string path = find_asset("fmnist.safetensors");
  const void* first = nullptr;
  const void* second = nullptr;
  jobs.post("compare", "a", "", [&](ViewJob& job) { first = &job.model(path); });
  jobs.post("sweep", "b", "", [&](ViewJob& job) { second = &job.model(path); });
  ASSERT_TRUE(eventually([&] { return jobs.idle(); }));
  EXPECT_EQ(jobs.error().second, 0u) << jobs.error().first;
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);
}

TEST(ViewResultSlot, AClearDisownsTheJobThatWasRunning) {
  ViewResultSlot<int> slot;
  slot.start();
  slot.clear();  // the model changed while the job ran
  slot.publish(std::make_shared<const int>(1));
  EXPECT_FALSE(slot.result());
  EXPECT_FALSE(slot.running.load());
  slot.fail("old model's error");
  EXPECT_EQ(slot.error(), "");
  slot.start();  // a job for the new model
  slot.publish(std::make_shared<const int>(2));
  ASSERT_TRUE(slot.result());
  EXPECT_EQ(*slot.result(), 2);
  slot.start();
  slot.stopped();  // a stop keeps the previous result
  EXPECT_EQ(*slot.result(), 2);
  EXPECT_EQ(slot.error(), "stopped");
}

}  // namespace
}  // namespace shortrun::explorer

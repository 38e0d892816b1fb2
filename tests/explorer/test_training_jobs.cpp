// The training runs' lines in the sidebar's job list (issue 23, 13): a paused run says "paused",
// never "measuring rate" or a time left; a running one without a rate yet says it measures one.
#include <gtest/gtest.h>

#include "worker/jobs_text.h"

namespace shortrun::explorer {
namespace {

JobStatus training_job(const char* state, double eta_s) {
  JobStatus j;
  j.kind = "train";
  j.state = state;
  j.unit = "iteration";
  j.done = 40;
  j.total = 200;
  j.eta_s = eta_s;
  return j;
}

TEST(TrainingJobs, APausedRunHasNoRateAndNoTimeLeft) {
  const std::string paused = job_progress_text(training_job("paused", -1));
  EXPECT_EQ(paused, "iteration 40/200 \xc2\xb7 paused");
  // Even a stale ETA of the stretch before the pause is not shown.
  EXPECT_EQ(job_progress_text(training_job("paused", 30)), paused);
  EXPECT_EQ(job_progress_text(training_job("running", -1)), "iteration 40/200 \xc2\xb7 measuring rate");
  EXPECT_EQ(job_progress_text(training_job("running", 30)), "iteration 40/200 \xc2\xb7 30 s left");
}

}  // namespace
}  // namespace shortrun::explorer

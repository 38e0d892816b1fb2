// Words for the job list: a job's progress ("step 45/100 · 12 s left") and durations, kept
// apart from ImGui so they can be tested headless.
#pragma once
#include <string>
#include <vector>

#include "worker/job_status.h"
#include "worker/snapshots.h"

namespace shortrun::explorer {

// "1 chain", "16 chains": a count with its noun in the right number.
std::string count_of(long long n, const std::string& singular, const std::string& plural = "");
// "1st", "2nd", "3rd", "11th", "25th".
std::string ordinal(long long n);
// "<1 s", "12 s", "3 min 05 s", "2 h 10 min".
std::string format_duration(double seconds);
// "step 45/100 · 12 s left", "iteration 3/100 · 1 min 20 s left", "4 s" (elapsed, unknown length).
std::string job_progress_text(const JobStatus& job);
// The status bar's summary of the list (the running job and how many are queued).
std::string jobs_status_line(const std::vector<JobStatus>& jobs);
// "3 of 16 chains diverged (non-finite) from step 12", or "" when none did: what the Chains
// tab's plots and the status bar say.
std::string divergence_note(const ChainRun& run);

}  // namespace shortrun::explorer

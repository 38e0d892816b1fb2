// The loop every torch thread of the explorer runs (the worker's chains thread, its image
// thread, the views' thread): wait for a job or the stop, take the oldest under the lock, run it
// outside the lock, and let the owner note its start and end under the lock. A job that throws
// goes to `failed` (outside the lock), and the loop goes on.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

namespace shortrun::explorer {

template <class Job, class Begin, class Run, class Failed, class End>
void run_job_loop(std::mutex& mutex, std::condition_variable& wake, const bool& stop, std::deque<Job>& queue, Begin begin,
                  Run run, Failed failed, End end) {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stop || !queue.empty(); });
      if (stop) return;
      job = std::move(queue.front());
      queue.pop_front();
      begin(job);
    }
    try {
      run(job);
    } catch (const std::exception& e) {
      failed(job, e.what());
    }
    std::lock_guard<std::mutex> lock(mutex);
    end(job);
  }
}

}  // namespace shortrun::explorer

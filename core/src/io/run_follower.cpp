// Tailing a run's metrics.jsonl with POSIX reads (offset, inode and a tail fingerprint), and
// listing its checkpoints and sample grids without ever throwing on a vanished file.
#include "shortrun/io/run_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "shortrun/io/file_checks.h"

namespace shortrun {
namespace fs = std::filesystem;

namespace {
constexpr size_t kTailBytes = 64;

bool read_at(int fd, char* buf, int64_t n, int64_t at) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, buf, size_t(n), off_t(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buf += got;
    n -= got;
    at += got;
  }
  return true;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

RunFollower::RunFollower(std::string run_dir, int64_t max_bytes_per_poll, int64_t max_line_bytes)
    : dir_(std::move(run_dir)), max_bytes_(std::max<int64_t>(4096, max_bytes_per_poll)), max_line_(max_line_bytes) {
  if (max_line_ <= 0) {
    try {
      max_line_ = kMaxMetricsLineBytes.value();
    } catch (const std::exception& e) {  // a bad variable: said once, the default is used
      max_line_ = kMaxMetricsLineBytes.default_value;
      limit_note_ = std::string(e.what()) + "; using " + std::to_string(max_line_);
    }
  }
}

void RunFollower::reset() {
  offset_ = 0;
  pending_.clear();
  tail_.clear();
  skipping_ = false;
}

void RunFollower::take_line(const char* p, size_t n, RunUpdate& u) {
  size_t first = 0;
  while (first < n && (p[first] == ' ' || p[first] == '\t' || p[first] == '\r')) ++first;
  if (first == n) return;
  try {
    nlohmann::json j = nlohmann::json::parse(p, p + n);
    if (j.is_object()) u.records.push_back(std::move(j));
    else ++u.bad_lines;
  } catch (const std::exception&) {
    ++u.bad_lines;
  }
}

RunUpdate RunFollower::poll() {
  RunUpdate u;
  const std::string file = dir_ + "/metrics.jsonl";
  const std::string path = printable(file);  // for messages: a run's name may hold anything
  Fd f;
  f.fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    u.missing = true;
    std::error_code ec;
    // Said once for each new reason: a run deleted file by file is first "not there", then gone.
    const std::string reason = !fs::is_directory(dir_, ec) ? "gone" : f.fd < 0 ? "absent" : "not a file";
    if (reason != missing_reason_) {
      if (reason == "gone")
        u.message = "the run directory " + printable(dir_) + " no longer exists" + (attached_ ? " (its curves stay as they were)" : "");
      else
        u.message = path + (f.fd < 0 ? " is not there (yet)" : " is not a regular file");
    }
    missing_reason_ = reason;
    return u;
  }
  const bool came_back = !missing_reason_.empty();
  missing_reason_.clear();
  const int64_t size = st.st_size;
  // A different file, a shorter one, or one whose bytes before our offset changed: start over.
  bool start_over = false;
  if (attached_ && (st.st_dev != dev_ || st.st_ino != ino_)) {
    start_over = true;
    u.message = path + " was replaced; reading it again from the start";
  } else if (attached_ && size < offset_) {
    start_over = true;
    u.message = path + " was truncated; reading it again from the start";
  } else if (attached_ && !tail_.empty()) {
    std::string now(tail_.size(), '\0');
    if (!read_at(f.fd, now.data(), int64_t(now.size()), offset_ - int64_t(tail_.size())) || now != tail_) {
      start_over = true;
      u.message = path + " was rewritten; reading it again from the start";
    }
  }
  if (start_over) {
    reset();
    u.restarted = true;
  } else if (came_back && attached_) {
    u.message = path + " is back; following it again";
  }
  attached_ = true;
  dev_ = st.st_dev;
  ino_ = st.st_ino;

  const int64_t want = std::min(size - offset_, max_bytes_);
  if (want > 0) {
    std::string buf(size_t(want), '\0');
    if (!read_at(f.fd, buf.data(), want, offset_)) {
      u.message = path + " could not be read at offset " + std::to_string(offset_) + "; will try again";
      return u;
    }
    offset_ += want;
    bytes_read_ += want;
    u.more = offset_ < size;
    // Fingerprint of the bytes just before the new offset.
    if (buf.size() >= kTailBytes) {
      tail_.assign(buf, buf.size() - kTailBytes, kTailBytes);
    } else {
      tail_ += buf;
      if (tail_.size() > kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
    }
    // Complete lines are parsed straight from the buffer; only an incomplete last line is kept,
    // and only up to the line-length limit: past it the line is dropped up to its newline.
    const int64_t line_start = offset_ - want;  // file offset of buf[0]
    size_t start = 0;
    for (size_t nl; start < buf.size(); start = nl + 1) {
      nl = buf.find('\n', start);
      const size_t end = nl == std::string::npos ? buf.size() : nl;
      if (skipping_) {
        if (nl == std::string::npos) break;
        skipping_ = false;
        continue;
      }
      if (int64_t(pending_.size() + (end - start)) > max_line_) {
        ++u.long_lines;
        u.message = path + ": a line starting near byte " + std::to_string(line_start + int64_t(start) - int64_t(pending_.size())) +
                    " is longer than " + std::to_string(max_line_) +
                    " bytes (SHORTRUN_MAX_METRICS_LINE_BYTES); skipped";
        pending_.clear();
        skipping_ = nl == std::string::npos;
        if (nl == std::string::npos) break;
        continue;
      }
      if (nl == std::string::npos) {
        pending_.append(buf, start, end - start);
        break;
      }
      if (pending_.empty()) {
        take_line(buf.data() + start, end - start, u);
      } else {
        pending_.append(buf, start, end - start);
        take_line(pending_.data(), pending_.size(), u);
        pending_.clear();
      }
    }
  }
  if (!limit_note_.empty()) {
    u.message = limit_note_;
    limit_note_.clear();
  }
  return u;
}

std::vector<CheckpointInfo> RunFollower::checkpoints() const {
  std::vector<CheckpointInfo> out;
  const auto add = [&](const fs::path& p) {
    struct stat st {};
    if (p.extension() != ".safetensors" || ::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // gone or renamed
    out.push_back({p.filename().string(), p.string(), int64_t(st.st_size),
                   int64_t(st.st_mtim.tv_sec) * 1000000000LL + int64_t(st.st_mtim.tv_nsec)});
  };
  std::error_code ec;
  for (fs::directory_iterator it(dir_ + "/checkpoints", ec), end; !ec && it != end; it.increment(ec)) add(it->path());
  add(fs::path(dir_) / "model.safetensors");
  std::sort(out.begin(), out.end(), [](const CheckpointInfo& a, const CheckpointInfo& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns > b.mtime_ns : a.name < b.name;
  });
  return out;
}

std::string RunFollower::latest_sample_grid(int64_t at_most) const {
  std::string best;
  long long best_n = -1;
  std::error_code ec;
  for (fs::directory_iterator it(dir_ + "/samples", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    long long n = -1;
    char tail[8] = {0};
    if (std::sscanf(name.c_str(), "iter_%lld%7s", &n, tail) == 2 && std::strcmp(tail, ".png") == 0 && n > best_n && n <= at_most) {
      best_n = n;
      best = it->path().string();
    }
  }
  return best;
}

void RunCurves::apply(const RunUpdate& update) {
  if (update.restarted) {
    series.clear();
    events.clear();
    event_count = 0;
    keys_dropped = 0;
  }
  // Events arrive in bulk (a hostile file holds millions): only the newest kMaxEvents are copied.
  size_t n_events = 0;
  for (const nlohmann::json& j : update.records) n_events += j.contains("event") ? 1 : 0;
  size_t event_index = 0;
  for (const nlohmann::json& j : update.records) {
    if (j.contains("event")) {
      ++event_count;
      if (n_events - event_index++ <= kMaxEvents) events.push_back(j);
      continue;
    }
    const auto iteration = j.find("iteration");
    const double it = iteration != j.end() && iteration->is_number() ? iteration->get<double>() : 0.0;
    for (auto kv = j.begin(); kv != j.end(); ++kv) {
      if (!kv.value().is_number() || kv.key() == "iteration") continue;
      auto s = series.find(kv.key());
      if (s == series.end()) {
        if (series.size() >= kMaxSeries) {
          ++keys_dropped;
          continue;
        }
        s = series.emplace(kv.key(), Points(kMaxPoints)).first;
      }
      s->second.push({it, kv.value().get<double>()});
    }
  }
  if (events.size() > kMaxEvents) events.erase(events.begin(), events.end() - std::ptrdiff_t(kMaxEvents));
}

}  // namespace shortrun

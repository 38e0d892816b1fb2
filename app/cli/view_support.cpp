// Ctrl+C handling, stderr progress and reports for the view commands.
#include "view_support.h"
#include "shortrun/base/printable.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "shortrun/analysis/reproduce_command.h"
#include "shortrun/analysis/view_common.h"
#include "shortrun/io/file_util.h"

namespace shortrun::cli {
namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }
using Handler = void (*)(int);
Handler g_previous_int = SIG_DFL, g_previous_term = SIG_DFL;
}  // namespace

Interrupt::Interrupt() {
  g_interrupted.store(false);
  g_previous_int = std::signal(SIGINT, on_interrupt);
  g_previous_term = std::signal(SIGTERM, on_interrupt);
}

Interrupt::~Interrupt() {
  std::signal(SIGINT, g_previous_int == SIG_ERR ? SIG_DFL : g_previous_int);
  std::signal(SIGTERM, g_previous_term == SIG_ERR ? SIG_DFL : g_previous_term);
}

const std::atomic<bool>* Interrupt::flag() const { return &g_interrupted; }

void exit_interrupted(const std::string& what) {
  std::fprintf(stderr, "%s: interrupted; nothing written\n", what.c_str());
  std::fflush(stderr);
  std::exit(130);
}

StderrProgress::StderrProgress(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_(start_) {}

void StderrProgress::operator()(int64_t done, int64_t total) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (since < (tty_ ? 0.1 : 5.0) && done < total) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double pct = total > 0 ? 100.0 * double(done) / double(total) : 100.0;
  if (tty_) {
    std::fprintf(stderr, "\r%s: %5.1f%% (%.0f s)   ", label_.c_str(), pct, secs);
    drawn_ = true;
  } else if (since >= 5.0) {
    std::fprintf(stderr, "%s: %.1f%% (%.0f s)\n", label_.c_str(), pct, secs);
  }
  std::fflush(stderr);
}

void StderrProgress::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

std::string runtime_flags(const RuntimeOptions& rt, const ModelOptions& mo) {
  return shortrun::runtime_flags(rt.device, rt.threads, mo.trust_code, mo.input_shape);
}

void write_json_report(const std::string& path, const nlohmann::json& j) {
  write_file_atomic(path, [&](std::ostream& out) { out << json_text(j, 1) << "\n"; });
}

std::string json_next_to(const std::string& png) { return png.empty() || png == "-" ? std::string() : png + ".json"; }

}  // namespace shortrun::cli

// The 2-D playground's training thread (see toy2d_runner.h).
#include "toy2d_runner.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "shortrun/base/error.h"
#include "shortrun/base/runtime.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/toy2d/toy2d_trainer.h"
#include "toy_run.h"

namespace shortrun::explorer {

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kGrid = 64;                 // heatmap cells per side: cheap enough to refresh ~5×/s
constexpr int kTrailChains = 300;         // particles shown moving through their K steps
constexpr int kLongChains = 300;          // short- vs long-run particles
constexpr double kPublishEvery = 0.08;    // s between snapshots while training
constexpr double kFieldEvery = 0.2;       // s between heatmap refreshes while training
constexpr double kLongEvery = 3.0;        // s between long-run refreshes while training

Toy2dSettings settings_of(const Toy2dControls& c) {
  Toy2dSettings s;
  s.steps = c.steps;
  s.step_size = c.step_size;
  s.noise_std = c.noise;
  s.lr = c.lr;
  s.batch = c.batch;
  s.trail_chains = kTrailChains;
  return s;
}

bool same_settings(const Toy2dSettings& a, const Toy2dSettings& b) {
  return a.steps == b.steps && a.step_size == b.step_size && a.noise_std == b.noise_std && a.lr == b.lr && a.batch == b.batch &&
         a.data_noise == b.data_noise && a.log_every == b.log_every;
}

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  const std::string dir = std::string(t && *t ? t : "/tmp") + "/shortrun-toy2d-" + std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}
}  // namespace

bool Toy2dControls::operator==(const Toy2dControls& o) const {
  return target == o.target && steps == o.steps && step_size == o.step_size && noise == o.noise && lr == o.lr && batch == o.batch &&
         seed == o.seed && until == o.until;
}

struct Toy2dRunner::Impl {
  // Shared with the UI (under m).
  mutable std::mutex m;
  std::condition_variable cv;
  Toy2dControls wanted;
  bool run = false, quit = false, reset_req = true, export_req = false, controls_dirty = false, reached = false;
  bool in_flight = false;  // picked-up work not yet published (busy() for scripts)
  std::string export_dir;
  std::vector<float> canvas;
  int canvas_size = 0;
  std::shared_ptr<const Toy2dSnapshot> snap = std::make_shared<Toy2dSnapshot>();
  Toy2dExportResult exported;
  std::string error;
  uint64_t error_version = 0;

  // The thread's own.
  std::unique_ptr<Toy2dTrainer> trainer;
  Toy2dControls applied;
  Toy2dSettings start_settings;
  bool reproducible = true;
  int64_t changed_at = -1;
  std::vector<float> target_density;
  std::vector<double> log_walls;  // wall seconds of each history entry
  Clock::time_point started, last_publish, last_field, last_long;
  Toy2dField field;
  Toy2dParticles long_run;
  int64_t long_iteration = -1, long_steps = 0;
  std::deque<std::pair<Clock::time_point, int64_t>> rate;  // (time, iteration) over the last ~1 s
  uint64_t version = 0;
  int drawings = 0;

  std::thread thread;

  void fail(const std::string& line) {
    std::lock_guard<std::mutex> l(m);
    error = line;
    ++error_version;
  }

  void rebuild(const Toy2dControls& c) {
    Toy2dConfig config;
    config.target = c.target;
    config.seed = c.seed;
    auto fresh = std::make_unique<Toy2dTrainer>(config, settings_of(c));  // throws for a bad target
    trainer = std::move(fresh);
    applied = c;
    start_settings = trainer->settings();
    reproducible = true;
    changed_at = -1;
    const torch::Tensor d = trainer->target().density_grid(kGrid).to(torch::kFloat32).contiguous();
    target_density.assign(d.data_ptr<float>(), d.data_ptr<float>() + kGrid * kGrid);
    log_walls.clear();
    rate.clear();
    started = Clock::now();
    field = trainer->field(kGrid);
    last_field = started;
    long_iteration = -1;
  }

  void apply_settings(const Toy2dControls& c) {
    const Toy2dSettings s = settings_of(c);
    applied = c;
    if (same_settings(s, trainer->settings())) return;
    trainer->set_settings(s);
    if (trainer->iteration() == 0) {
      start_settings = s;  // nothing ran yet: the run simply starts with these
    } else if (reproducible && !same_settings(s, start_settings)) {
      reproducible = false;
      changed_at = trainer->iteration();
    }
  }

  void refresh_long_run() {
    const int64_t k = trainer->settings().steps;
    long_steps = 10 * k;
    // Keep the refresh to about 150,000 chain-steps (a few tenths of a second).
    const int64_t n = std::clamp<int64_t>(150000 / std::max<int64_t>(1, long_steps), 50, kLongChains);
    long_run = trainer->sample(n, long_steps, k);  // frames x_0, x_K, x_2K, ..., x_10K of the same chains
    long_iteration = trainer->iteration();
    last_long = Clock::now();
  }

  void publish(bool running) {
    auto s = std::make_shared<Toy2dSnapshot>();
    s->version = ++version;
    s->target = applied.target;
    s->iteration = trainer->iteration();
    s->running = running;
    if (rate.size() >= 2) {
      const double dt = std::chrono::duration<double>(rate.back().first - rate.front().first).count();
      s->its_per_s = dt > 0 ? double(rate.back().second - rate.front().second) / dt : 0;
    }
    s->grid = kGrid;
    s->box = float(trainer->target().box());
    s->target_density = target_density;
    s->density = field.density;
    s->energy = field.energy;
    s->grad = field.grad;
    const Toy2dParticles& t = trainer->last_chain();
    s->chains = int(t.n);
    s->frames = int(t.frames);
    s->trails = t.xy;
    if (long_iteration >= 0 && long_run.frames >= 2) {
      s->long_n = int(long_run.n);
      s->long_steps = long_steps;
      s->long_iteration = long_iteration;
      s->short_xy.assign(long_run.frame(1), long_run.frame(1) + long_run.n * 2);
      s->long_xy.assign(long_run.frame(long_run.frames - 1), long_run.frame(long_run.frames - 1) + long_run.n * 2);
    }
    for (const Toy2dLog& l : trainer->history()) {
      s->kl.push_back(float(l.kl));
      s->mmd.push_back(float(l.mmd));
      s->gap.push_back(float(l.gap));
      s->logged.push_back(l.iteration);
    }
    s->reproducible = reproducible;
    s->changed_at = changed_at;
    std::lock_guard<std::mutex> l(m);
    snap = std::move(s);
    last_publish = Clock::now();
  }

  // DIR/{playground.png, model.safetensors, metrics.jsonl, settings.json, command.txt}: what
  // `shortrun train` writes for the same run (the command trains into DIR/reproduce).
  void write_export(const std::string& dir) {
    Toy2dExportResult r;
    r.dir = dir;
    r.iteration = trainer->iteration();
    r.reproducible = reproducible;
    try {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec || !fs::is_directory(dir)) throw file_error(dir, "cannot create the export folder (" + ec.message() + ")");
      const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
      cli::ToyTrainRequest q;
      q.config = trainer->config();
      q.settings = trainer->settings();
      q.settings.trail_chains = Toy2dSettings().trail_chains;  // display only; the CLI keeps its default
      q.iters = trainer->iteration();
      q.threads = torch::get_num_threads();
      q.out = abs_dir + "/reproduce";
      if (q.config.target.rfind("image:", 0) == 0) {  // a drawn or file target travels with the export
        const std::string copy = abs_dir + "/target.png";
        fs::copy_file(q.config.target.substr(6), copy, fs::copy_options::overwrite_existing);
        q.config.target = "image:" + copy;
      }
      r.command = cli::toy_reproducing_command(q);
      nlohmann::json settings = cli::toy_settings_json(q);
      if (!reproducible)
        settings["note"] = "the settings changed at iteration " + std::to_string(changed_at) +
                           ": the command trains with the current settings from the start and does not reproduce these weights";
      write_file_atomic(dir + "/settings.json", [&](std::ostream& o) { o << settings.dump(2) << "\n"; });
      write_file_atomic(dir + "/command.txt", [&](std::ostream& o) { o << r.command << "\n"; });
      write_file_atomic(dir + "/metrics.jsonl", [&](std::ostream& o) {
        const auto& h = trainer->history();
        for (size_t i = 0; i < h.size(); ++i) o << cli::toy_metrics_json(h[i], i < log_walls.size() ? log_walls[i] : 0.0).dump() << "\n";
      });
      // The weights file carries the settings: saved with the CLI's display default, as the CLI saves it.
      const Toy2dSettings shown = trainer->settings();
      trainer->set_settings(q.settings);
      trainer->save(dir + "/model.safetensors", &q.config);
      trainer->set_settings(shown);
      cli::write_toy_playground_png(*trainer, dir + "/playground.png");
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    std::lock_guard<std::mutex> l(m);
    r.id = exported.id + 1;
    exported = r;
    if (!r.error.empty()) {
      error = "2-D export: " + r.error;
      ++error_version;
    }
  }

  std::string write_drawing(const std::vector<float>& c, int size) {
    torch::Tensor img = torch::from_blob(const_cast<float*>(c.data()), {size, size, 1}, torch::kFloat32).clamp(0, 1);
    img = (img * 255).round().to(torch::kUInt8).expand({size, size, 3}).contiguous();
    const std::string path = temp_dir() + "/drawn-" + std::to_string(++drawings) + ".png";
    write_png_u8(path, img);
    return path;
  }

  void loop() {
    set_threads(1);  // tiny matrices: one thread is fastest, and the other core stays with the UI
    bool dirty = true;
    while (true) {
      Toy2dControls c;
      bool do_reset = false, do_export = false, running = false;
      std::string dir;
      std::vector<float> drawing;
      int drawing_size = 0;
      {
        std::unique_lock<std::mutex> l(m);
        const auto work = [&] {
          return quit || reset_req || export_req || controls_dirty || !canvas.empty() || (run && !reached);
        };
        cv.wait_for(l, std::chrono::milliseconds(dirty ? 0 : 200), work);
        if (quit) return;
        c = wanted;
        do_reset = reset_req;
        do_export = export_req;
        dir = export_dir;
        drawing.swap(canvas);
        drawing_size = canvas_size;
        if (reset_req || export_req || controls_dirty || !drawing.empty()) in_flight = true;
        reset_req = export_req = controls_dirty = false;
        running = run && !reached;
      }
      try {
        if (!drawing.empty()) {
          c.target = "image:" + write_drawing(drawing, drawing_size);
          std::lock_guard<std::mutex> l(m);
          wanted.target = c.target;
        }
        if (!trainer || do_reset || !c.same_run(applied)) {
          rebuild(c);
          dirty = true;
          std::lock_guard<std::mutex> l(m);
          reached = false;  // iteration 0: a stop at `until` from the previous run (set after a start) is stale
          running = run;
        } else if (!(c == applied)) {
          apply_settings(c);
          dirty = true;
        }
      } catch (const std::exception& e) {
        fail("2-D playground: " + std::string(e.what()));
        std::lock_guard<std::mutex> l(m);
        if (trainer) wanted = applied;  // keep training what was there
        else wanted = Toy2dControls();
        reset_req = !trainer;
        continue;
      }
      if (do_export) {
        write_export(dir);
        dirty = true;
      }
      const auto now = Clock::now();
      if (running) {
        try {
          trainer->step(1, nullptr, [&](const Toy2dLog&) {
            log_walls.push_back(std::chrono::duration<double>(Clock::now() - started).count());
          });
        } catch (const std::exception& e) {
          fail("2-D playground: " + std::string(e.what()));
          std::lock_guard<std::mutex> l(m);
          run = false;
          running = false;
        }
        rate.emplace_back(Clock::now(), trainer->iteration());
        while (rate.size() > 2 && std::chrono::duration<double>(rate.back().first - rate.front().first).count() > 1.0) rate.pop_front();
        if (c.until > 0 && trainer->iteration() >= c.until) {
          std::lock_guard<std::mutex> l(m);
          reached = true;
          in_flight = true;
          running = false;
        }
        dirty = true;
      }
      const double since_field = std::chrono::duration<double>(now - last_field).count();
      const double since_publish = std::chrono::duration<double>(now - last_publish).count();
      const bool stale_long = long_iteration != trainer->iteration();
      bool published = false;
      if (dirty && (!running || since_publish >= kPublishEvery)) {
        if (!running || since_field >= kFieldEvery) {
          field = trainer->field(kGrid);
          last_field = Clock::now();
        }
        if (stale_long && (!running || long_iteration < 0 || std::chrono::duration<double>(now - last_long).count() >= kLongEvery))
          refresh_long_run();
        publish(running);
        published = true;
        dirty = running;  // while paused, publish once and sleep
      }
      if (published || !dirty) {
        std::lock_guard<std::mutex> l(m);
        in_flight = false;
      }
    }
  }
};

Toy2dRunner::Toy2dRunner(Toy2dControls initial) : impl_(std::make_unique<Impl>()) {
  impl_->wanted = std::move(initial);
  impl_->thread = std::thread([this] { impl_->loop(); });
}

Toy2dRunner::~Toy2dRunner() {
  {
    std::lock_guard<std::mutex> l(impl_->m);
    impl_->quit = true;
  }
  impl_->cv.notify_all();
  impl_->thread.join();
}

void Toy2dRunner::set_controls(const Toy2dControls& c) {
  std::lock_guard<std::mutex> l(impl_->m);
  if (!(c.until == impl_->wanted.until)) impl_->reached = false;
  impl_->wanted = c;
  impl_->controls_dirty = true;
  impl_->cv.notify_all();
}

Toy2dControls Toy2dRunner::controls() const {
  std::lock_guard<std::mutex> l(impl_->m);
  return impl_->wanted;
}

void Toy2dRunner::start() {
  std::lock_guard<std::mutex> l(impl_->m);
  impl_->run = true;
  impl_->reached = false;
  impl_->cv.notify_all();
}

void Toy2dRunner::pause() {
  std::lock_guard<std::mutex> l(impl_->m);
  impl_->run = false;
  impl_->controls_dirty = true;  // publish the paused state
  impl_->cv.notify_all();
}

void Toy2dRunner::reset() {
  std::lock_guard<std::mutex> l(impl_->m);
  impl_->reset_req = true;
  impl_->reached = false;
  impl_->cv.notify_all();
}

void Toy2dRunner::use_drawing(const std::vector<float>& canvas, int size) {
  std::lock_guard<std::mutex> l(impl_->m);
  impl_->canvas = canvas;
  impl_->canvas_size = size;
  impl_->cv.notify_all();
}

void Toy2dRunner::request_export(const std::string& dir) {
  std::lock_guard<std::mutex> l(impl_->m);
  impl_->export_dir = dir;
  impl_->export_req = true;
  impl_->cv.notify_all();
}

std::shared_ptr<const Toy2dSnapshot> Toy2dRunner::snapshot() const {
  std::lock_guard<std::mutex> l(impl_->m);
  return impl_->snap;
}

Toy2dExportResult Toy2dRunner::export_result() const {
  std::lock_guard<std::mutex> l(impl_->m);
  return impl_->exported;
}

std::pair<std::string, uint64_t> Toy2dRunner::error() const {
  std::lock_guard<std::mutex> l(impl_->m);
  return {impl_->error, impl_->error_version};
}

bool Toy2dRunner::running() const {
  std::lock_guard<std::mutex> l(impl_->m);
  return impl_->run && !impl_->reached;
}

bool Toy2dRunner::busy() const {
  std::lock_guard<std::mutex> l(impl_->m);
  const Impl& i = *impl_;
  return i.in_flight || i.reset_req || i.export_req || i.controls_dirty || !i.canvas.empty() || (i.run && !i.reached);
}

}  // namespace shortrun::explorer

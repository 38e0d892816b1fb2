// The 2-D playground's training thread (see toy2d_runner.h).
#include "views/toy2d/toy2d_runner.h"
#include "views/toy2d/toy2d_export.h"

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
#include "shortrun/io/model_paths.h"
#include "shortrun/toy2d/toy2d_trainer.h"
#include "toy_model.h"
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

// The controls over `base` (the defaults, or a loaded file's data noise and log interval).
Toy2dSettings settings_of(const Toy2dControls& c, const Toy2dSettings& base = Toy2dSettings()) {
  Toy2dSettings s = base;
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
  std::string export_dir, load_req;
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

  // A loaded model file: its path, iteration (added to the trainer's own count), settings, and what
  // it does before any training here (its K-step chains, with their KL and MMD as a history entry).
  std::string loaded;
  int64_t base = 0;
  Toy2dSettings base_settings;
  Toy2dParticles loaded_trails;
  std::vector<Toy2dLog> loaded_log;

  std::thread thread;

  int64_t shown_iteration() const { return base + trainer->iteration(); }

  void fail(const std::string& line) {
    std::lock_guard<std::mutex> l(m);
    error = line;
    ++error_version;
  }

  void rebuild(const Toy2dControls& c) {
    Toy2dConfig config;
    config.target = c.target;
    config.seed = c.seed;
    adopt(std::make_unique<Toy2dTrainer>(config, settings_of(c)), c);  // throws for a bad target
    loaded.clear();
    base = 0;
    base_settings = Toy2dSettings();
    loaded_trails = Toy2dParticles();
    loaded_log.clear();
  }

  // The file's weights, target and settings, paused at its iteration (toy2d_runner.h load_model).
  void open(const std::string& given) {
    const std::string path = resolve_model_path(given);
    cli::ToyModelFile f;
    std::unique_ptr<Toy2dTrainer> t = cli::load_toy_model(path, &f);  // throws naming the file
    Toy2dControls c;
    c.target = f.config.target;
    c.seed = f.config.seed;
    c.steps = f.settings.steps;
    c.step_size = f.settings.step_size;
    c.noise = f.settings.noise_std;
    c.lr = f.settings.lr;
    c.batch = f.settings.batch;
    t->set_settings(settings_of(c, f.settings));
    adopt(std::move(t), c);
    loaded = fs::absolute(path).lexically_normal().string();
    base = f.iteration;
    base_settings = f.settings;
    reproducible = false;  // the command of an export would train from fresh weights
    changed_at = base;
    loaded_trails = trainer->sample(kTrailChains, c.steps, 1);
    const torch::Tensor xk =
        torch::from_blob(const_cast<float*>(loaded_trails.frame(loaded_trails.frames - 1)), {loaded_trails.n, 2}, torch::kFloat32);
    Toy2dLog l;
    l.iteration = base;
    l.kl = trainer->kl_grid(xk);
    l.mmd = trainer->mmd(xk);
    loaded_log = {l};
    std::lock_guard<std::mutex> lock(m);
    wanted = c;
    run = false;
    reached = false;
  }

  void adopt(std::unique_ptr<Toy2dTrainer> fresh, const Toy2dControls& c) {
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
    const Toy2dSettings s = settings_of(c, base_settings);
    applied = c;
    if (same_settings(s, trainer->settings())) return;
    trainer->set_settings(s);
    if (trainer->iteration() == 0) {
      start_settings = s;  // nothing ran yet: the run simply starts with these
    } else if (reproducible && !same_settings(s, start_settings)) {
      reproducible = false;
      changed_at = shown_iteration();
    }
  }

  void refresh_long_run() {
    const int64_t k = trainer->settings().steps;
    long_steps = 10 * k;
    // Keep the refresh to about 150,000 chain-steps (a few tenths of a second).
    const int64_t n = std::clamp<int64_t>(150000 / std::max<int64_t>(1, long_steps), 50, kLongChains);
    long_run = trainer->sample(n, long_steps, k);  // frames x_0, x_K, x_2K, ..., x_10K of the same chains
    long_iteration = shown_iteration();
    last_long = Clock::now();
  }

  void publish(bool running) {
    auto s = std::make_shared<Toy2dSnapshot>();
    s->version = ++version;
    s->target = applied.target;
    s->iteration = shown_iteration();
    s->running = running;
    s->loaded = loaded;
    s->loaded_iteration = base;
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
    const Toy2dParticles& t = trainer->last_chain().n > 0 ? trainer->last_chain() : loaded_trails;
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
    const auto add = [&](const Toy2dLog& l, int64_t offset) {
      s->kl.push_back(float(l.kl));
      s->mmd.push_back(float(l.mmd));
      s->gap.push_back(float(l.gap));
      s->logged.push_back(offset + l.iteration);
    };
    for (const Toy2dLog& l : loaded_log) add(l, 0);
    for (const Toy2dLog& l : trainer->history()) add(l, base);
    s->reproducible = reproducible;
    s->changed_at = changed_at;
    std::lock_guard<std::mutex> l(m);
    snap = std::move(s);
    last_publish = Clock::now();
  }

  // The export (toy2d_export.h), published as the newest export result.
  void write_export(const std::string& dir) {
    Toy2dRunFacts facts;
    facts.reproducible = reproducible;
    facts.changed_at = changed_at;
    facts.loaded = loaded;
    facts.base = base;
    facts.log_walls = log_walls;
    Toy2dExportResult r = write_toy2d_export(*trainer, facts, dir);
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
      std::string load;
      {
        std::unique_lock<std::mutex> l(m);
        const auto work = [&] {
          return quit || reset_req || export_req || controls_dirty || !canvas.empty() || !load_req.empty() || (run && !reached);
        };
        cv.wait_for(l, std::chrono::milliseconds(dirty ? 0 : 200), work);
        if (quit) return;
        c = wanted;
        do_reset = reset_req;
        do_export = export_req;
        dir = export_dir;
        drawing.swap(canvas);
        drawing_size = canvas_size;
        load.swap(load_req);
        if (reset_req || export_req || controls_dirty || !drawing.empty() || !load.empty()) in_flight = true;
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
        if (!load.empty()) {
          open(load);
          c = applied;
          running = false;
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
        if (c.until > 0 && shown_iteration() >= c.until) {
          std::lock_guard<std::mutex> l(m);
          reached = true;
          in_flight = true;
          running = false;
        }
        dirty = true;
      }
      const double since_field = std::chrono::duration<double>(now - last_field).count();
      const double since_publish = std::chrono::duration<double>(now - last_publish).count();
      const bool stale_long = long_iteration != shown_iteration();
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

void Toy2dRunner::load_model(const std::string& path) {
  std::lock_guard<std::mutex> l(impl_->m);
  impl_->load_req = path;
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
  return i.in_flight || i.reset_req || i.export_req || i.controls_dirty || !i.canvas.empty() || !i.load_req.empty() ||
         (i.run && !i.reached);
}

}  // namespace shortrun::explorer

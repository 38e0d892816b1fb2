// The contact sheet's torch side (sweep_job.h): core run_contact_sheet on the views' thread and
// the export through core's own sheet image and command line (as `shortrun sweep`).
#include "views/sweep/sweep_job.h"

#include <atomic>
#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "shortrun/analysis/contact_sheet.h"
#include "shortrun/analysis/reproduce_command.h"
#include "shortrun/base/error.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/model_paths.h"
#include "shortrun/model/energy_model.h"
#include "shortrun/training/fd_criterion.h"
#include "worker/sampler_settings.h"
#include "worker/view_jobs.h"

namespace shortrun::explorer {

namespace {

// The data the FD reference comes from: what `shortrun sweep --fd` defaults to.
constexpr const char* kFdData = "fashion-mnist";

std::vector<double> to_doubles(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

nlohmann::json to_json(const SweepRequest& r) {
  return {{"model", r.model}, {"sampler", settings_json(r.sampler)}, {"steps", r.steps},
          {"step_sizes", r.step_sizes}, {"chain", r.chain}, {"fd_n", r.fd_n}};
}

uint64_t post_sweep(ViewJobs& jobs, const SweepRequest& request, std::shared_ptr<ViewResultSlot<SweepData>> slot) {
  const std::string label = "contact sheet: " + std::to_string(request.steps.size()) + " K x " +
                            std::to_string(request.step_sizes.size()) + " step sizes";
  return jobs.post("sweep", label, "chain-step", [request, slot](ViewJob& job) {
    slot->start();
    EnergyModel& model = job.model(request.model);
    ContactSheetConfig sheet;
    SamplerSettings s = request.sampler;
    s.steps = 0;  // replaced per row; validated here with the rest
    sheet.sampler = sampler_config(model.card().sampler, s);
    sheet.steps.assign(request.steps.begin(), request.steps.end());
    sheet.step_sizes.assign(request.step_sizes.begin(), request.step_sizes.end());
    sheet.chain = request.chain;
    sheet.fd_n = request.fd_n;
    sheet.validate();
    FdCriterion criterion;
    if (sheet.fd_n > 0)
      criterion = load_fd_criterion(kFdData, find_asset("fmnist_features.safetensors"), sheet.fd_n, model, model.device(),
                                    false);
    const auto t0 = std::chrono::steady_clock::now();
    const int cells = int(sheet.steps.size() * sheet.step_sizes.size());
    const auto snapshot = [&](const ContactSheetResult& r, int done) {
      static std::atomic<uint64_t> snapshots{0};  // every snapshot is uploaded once: ids never repeat
      auto d = std::make_shared<SweepData>();
      d->id = ++snapshots;
      d->request = request;
      d->rows = int(sheet.steps.size());
      d->cols = int(sheet.step_sizes.size());
      const DataShape& ds = model.shape();
      d->shape = ImageShape{1, int(ds.channels), int(ds.height), int(ds.width)};
      torch::Tensor images = r.images;
      if (done < cells) {  // cells not reached show black, not the mid-grey of zeros
        images = images.clone();
        for (int row = 0; row < d->rows; ++row)
          for (int col = 0; col < d->cols; ++col)
            if (std::isnan(r.energy[row][col].item<double>())) images[row][col].fill_(-1.0);
      }
      const torch::Tensor nhwc = images.flatten(0, 1).permute({0, 2, 3, 1}).contiguous().to(torch::kFloat32);
      d->images.assign(nhwc.data_ptr<float>(), nhwc.data_ptr<float>() + nhwc.numel());
      d->energy = to_doubles(r.energy);
      d->grad_norm = to_doubles(r.grad_norm);
      d->saturated = to_doubles(r.saturated);
      d->fd = to_doubles(r.fd);
      d->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      d->device = model.device().is_cuda() ? "cuda" : "cpu";
      d->threads = torch::get_num_threads();
      d->config = sheet;
      d->cells_done = done;
      d->complete = done == cells && !r.cancelled;
      d->stopped = r.cancelled;
      return d;
    };
    int done = 0;
    auto shown = t0 - std::chrono::seconds(1);
    const auto cell_done = [&](const ContactSheetResult& so_far, int64_t, int64_t) {
      ++done;
      const auto now = std::chrono::steady_clock::now();
      if (done == cells || now - shown < std::chrono::milliseconds(200)) return;  // the last: below
      shown = now;
      slot->publish(snapshot(so_far, done));
    };
    const ContactSheetResult r = run_contact_sheet(model, sheet, sheet.fd_n > 0 ? &criterion : nullptr,
                                                   [&](int64_t n, int64_t total) { job.progress(n, total); },
                                                   &job.cancel_flag(), cell_done);
    if (r.cancelled && done == 0) return slot->stopped();  // stopped before any cell: the previous sheet stays
    slot->publish(snapshot(r, done));
  });
}

std::string sweep_command_line(const SweepData& d, const std::string& png) {
  SweepCommand c;
  c.model = d.request.model;
  c.sheet = d.config.get<ContactSheetConfig>();
  c.data = kFdData;
  c.out = png;
  c.json = png + ".json";
  c.runtime = runtime_flags(d.device, d.threads);
  return sweep_command(c);
}

void post_sweep_export(ViewJobs& jobs, std::shared_ptr<const SweepData> data, const std::string& png,
                       std::shared_ptr<ViewResultSlot<ExportOutcome>> slot) {
  jobs.post("sweep_export", "exporting the contact sheet", "", export_job(slot, "contact-sheet export failed", [data, png] {
    if (!data) throw Error("nothing to export: no contact sheet yet");
    // Core's composition of the same cells: the PNG `shortrun sweep` writes.
    ContactSheetResult r;
    r.images = torch::from_blob(const_cast<float*>(data->images.data()),
                                {data->rows, data->cols, data->shape.h, data->shape.w, data->shape.c}, torch::kFloat32)
                   .permute({0, 1, 4, 2, 3})
                   .contiguous();
    nlohmann::json cells = nlohmann::json::array();
    for (int row = 0; row < data->rows; ++row)
      for (int col = 0; col < data->cols; ++col) {
        const size_t i = size_t(row * data->cols + col);
        nlohmann::json c = {{"row", row}, {"col", col}, {"steps", data->request.steps[row]},
                            {"step_size", data->request.step_sizes[col]}, {"energy", data->energy[i]},
                            {"grad_norm", data->grad_norm[i]}, {"saturated_fraction", data->saturated[i]}};
        if (data->request.fd_n > 0) c["fd"] = data->fd[i];
        cells.push_back(c);
      }
    const nlohmann::json j = {{"view", "sweep"},
                              {"command", sweep_command_line(*data, png)},
                              {"model", data->request.model},
                              {"settings", data->config},
                              {"png", "rows: K (top to bottom), columns: step size (left to right); each cell is chain " +
                                          std::to_string(data->request.chain) + " under seed " +
                                          std::to_string(data->request.sampler.seed)},
                              {"cells", cells},
                              {"exported_by", "shortrun-explorer"}};
    write_file_atomic(png + ".json", [&](std::ostream& os) { os << j.dump(1) << "\n"; });
    write_png(png, contact_sheet_image(r));
    ExportOutcome o;
    o.png = png;
    o.json = png + ".json";
    o.command = sweep_command_line(*data, png);
    o.line = "wrote " + png + " and " + png + ".json";
    return o;
  }));
}

}  // namespace shortrun::explorer

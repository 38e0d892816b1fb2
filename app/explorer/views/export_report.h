// A view's export as the view follows it (the long-run, K × step, OOD and A/B tabs): the slot
// its export job fills, the status line when it ends (its line, or its error in red), and what
// the tab shows and state dumps report: the last outcome and error, and for the views that list
// it, "last_export" (png, json, command, done, message) from the moment it is posted.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "views/view.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class ExportReport {
 public:
  // An export was posted: its files and the command that redraws its PNG, not done yet.
  void posted(const std::string& png, const std::string& command) {
    last_ = {{"png", png}, {"json", png + ".json"}, {"command", command}, {"done", false}};
  }
  // Nothing to export (`why`): said in the status bar and under the export row.
  void refuse(ViewContext& ctx, const std::string& why) {
    error_ = why;
    ctx.status(why);
  }
  // Posting itself failed (a folder that cannot be made): the error line.
  void failed(ViewContext& ctx, const std::string& why) {
    error_ = why;
    ctx.error(why);
  }
  // Every frame: an export that ended says so.
  void update(ViewContext& ctx) {
    if (!watch_.changed() || watch_.slot->running.load()) return;
    if (const std::shared_ptr<const ExportOutcome> o = watch_.slot->result()) outcome_ = *o;
    error_ = watch_.slot->error();
    const std::string line = error_.empty() ? outcome_.line : error_;
    if (!line.empty()) (error_.empty() ? ctx.status : ctx.error)(line);
    last_["done"] = error_.empty();
    last_["message"] = line;
  }
  bool pending() const { return watch_.pending(); }
  bool running() const { return watch_.slot->running.load(); }
  const std::shared_ptr<ViewResultSlot<ExportOutcome>>& slot() const { return watch_.slot; }
  const ExportOutcome& outcome() const { return outcome_; }  // the last one that finished
  const std::string& error() const { return error_; }
  const nlohmann::json& last() const { return last_; }
  std::string command() const { return last_.contains("command") ? last_["command"].get<std::string>() : ""; }
  // The OOD and A/B tabs' state keys: "export_error", and "export" (png, json, command) once one
  // was written.
  void add_state(nlohmann::json& j) const {
    j["export_error"] = error_;
    if (!outcome_.png.empty()) j["export"] = {{"png", outcome_.png}, {"json", outcome_.json}, {"command", outcome_.command}};
  }

 private:
  SlotWatch<ExportOutcome> watch_;
  ExportOutcome outcome_;
  std::string error_;
  nlohmann::json last_;
};

}  // namespace shortrun::explorer

// The command lines that reproduce a view: `shortrun sample` (also with --continue-to, the long
// run) and `shortrun sweep` (the contact sheet). The CLI records them in its reports and the
// explorer in its exports, through these same functions, so both write the same line for the
// same settings and running it redraws the same PNG.
#pragma once
#include <cstdint>
#include <string>

#include "shortrun/analysis/contact_sheet.h"
#include "shortrun/model/sampler_config.h"

namespace shortrun {

// The flags that are not about the view itself: --device (unless auto), --threads (unless 0),
// --trust-code, --input-shape.
std::string runtime_flags(const std::string& device, int threads, bool trust_code = false,
                          const std::string& input_shape = "");

struct SampleCommand {
  std::string model;             // the resolved model path
  int64_t n = 64;
  SamplerConfig sampler;
  int64_t batch_chains = 1024;   // written only with --chunk 0 (then it changes the results)
  std::string init;              // --init images ("": noise)
  int64_t continue_to = 0;       // the long run's M (0: a plain sample)
  int64_t cols = 0;              // grid columns (0: the default sqrt(n))
  std::string out, npy, trajectory, json;
  int64_t every = 10;            // with a trajectory
  std::string runtime;           // runtime_flags(...), appended as is
};
std::string sample_command(const SampleCommand& c);

struct SweepCommand {
  std::string model;
  ContactSheetConfig sheet;      // its sampler's steps and step size are not written (lists instead)
  std::string data, features;    // with FD per cell (features "": the bundled net)
  std::string out, json;
  std::string runtime;
};
std::string sweep_command(const SweepCommand& c);

}  // namespace shortrun

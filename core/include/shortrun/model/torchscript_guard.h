// A TorchScript file is a program, not just weights: this checks, before any of its code runs,
// that a module only computes tensors (an allowlist of pure operators), and loads it.
#pragma once
#include <optional>
#include <string>

#include <torch/script.h>

namespace shortrun {

// What is wrong with the first offending node of the module's code, e.g. "aten::from_file,
// which is not an allowed pure tensor operator"; nullopt when everything is allowed. Walks every
// method (and forward hook) of every submodule, inlined, into every block of prim::If/prim::Loop.
// Runs none of the module's code.
std::optional<std::string> first_disallowed_operator(const torch::jit::Module& module);

struct TorchScriptFile {
  torch::jit::Module module;
  std::optional<std::string> model_card;  // extra file "model_card.json" (torch.jit.save _extra_files)
};

// Loads a TorchScript archive onto `device`. Unless trust_code, first refuses (Error naming the file
// and the first offending operator) an archive whose loading would run its own code (__setstate__,
// custom C++ classes) and, once loaded, a module that fails first_disallowed_operator.
TorchScriptFile load_torchscript(const std::string& path, bool trust_code, torch::Device device = torch::kCPU);

}  // namespace shortrun

// What this build is: project version, git commit, the LibTorch it was built against and
// whether its CUDA kernels are in. `shortrun --version` prints it; trainers write it into
// the provenance of their checkpoints.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace shortrun {

std::string project_version();
std::string git_commit();  // "unknown" outside a git checkout; "-dirty" with local changes
bool built_with_cuda();
// "shortrun 0.1.0 (commit 1a2b3c4d5e6f, LibTorch 1.13.0, CUDA no)"
std::string build_line();
nlohmann::json build_json();  // {"version", "commit", "libtorch", "cuda"}

}  // namespace shortrun

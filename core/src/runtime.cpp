// Threads and device selection.
#include "shortrun/runtime.h"

#include <thread>

#include <torch/version.h>

#include "shortrun/error.h"

namespace shortrun {

int set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return n;
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw Error("device '" + name + "' requested but CUDA is not available (this LibTorch build or machine has no GPU); use --device cpu");
    return torch::Device(name);
  }
  throw Error("device '" + name + "' is unknown; expected cpu, cuda or auto");
}

std::string torch_version() { return TORCH_VERSION; }

}  // namespace shortrun

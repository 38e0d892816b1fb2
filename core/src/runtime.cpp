// Threads and device selection.
#include "shortrun/runtime.h"

#include <cstdlib>
#include <thread>

#include <ATen/Context.h>
#include <torch/version.h>

#include "shortrun/error.h"

namespace shortrun {

int set_threads(int n) {
  if (n <= 0) {
    // OMP_NUM_THREADS, when set, is the user's (or the test runner's) explicit choice.
    const char* omp = std::getenv("OMP_NUM_THREADS");
    n = omp ? std::atoi(omp) : 0;
  }
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return n;
}

void configure_cuda_numerics() {
  // float32 means float32: PyTorch lets cuDNN/cuBLAS use TF32 by default, which moves a
  // 100-step chain visibly away from the CPU result. Deterministic cuDNN algorithms keep a
  // chain's result independent of the other chains in its batch, as on the CPU.
  auto& ctx = at::globalContext();
  ctx.setAllowTF32CuDNN(false);
  ctx.setAllowTF32CuBLAS(false);
  ctx.setDeterministicCuDNN(true);
  ctx.setBenchmarkCuDNN(false);
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  const bool want_cuda = name == "cuda" || name.rfind("cuda:", 0) == 0;
  if (name == "auto" && torch::cuda::is_available()) {
    configure_cuda_numerics();
    return torch::Device(torch::kCUDA);
  }
  if (name == "auto") return torch::kCPU;
  if (want_cuda) {
    if (!torch::cuda::is_available())
      throw Error("device '" + name + "' requested but CUDA is not available (this LibTorch build or machine has no GPU); use --device cpu");
    configure_cuda_numerics();
    return torch::Device(name);
  }
  throw Error("device '" + name + "' is unknown; expected cpu, cuda or auto");
}

std::string torch_version() { return TORCH_VERSION; }

}  // namespace shortrun

// Threads (count, cap, OpenMP wait policy) and device selection.
#include "shortrun/base/runtime.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <ATen/Context.h>
#include <torch/version.h>

#include "shortrun/base/error.h"

// OpenMP threads that finish a parallel region spin for a while (libgomp: 300,000 spins, a
// few ms) before sleeping. Alone that saves a wake-up; beside another busy process (the
// explorer next to a training run, several CLI runs) the spinning threads take the cores the
// others need (BENCHMARKS.md, "Threads under contention"). OMP_WAIT_POLICY=PASSIVE makes idle
// threads sleep at once, but libgomp reads it only in its own initialiser, which runs before
// any constructor of ours (libtorch, and with it libgomp, is a dependency), and setenv from
// .preinit_array is lost (libc's initialiser resets environ; tried: GOMP_SPINCOUNT stayed
// 300000). So the process re-executes itself once with the variable added. From
// .preinit_array (an executable's first code, before any library initialiser) that costs only
// the dynamic linking, not libtorch's start-up. An explicit OMP_WAIT_POLICY, GOMP_SPINCOUNT
// or KMP_BLOCKTIME wins and costs nothing, and so does a single-threaded run; if the exec
// fails (no /proc) the run goes on with the spinning default.
namespace {
bool has_variable(char** envp, const char* name) {
  const size_t n = std::strlen(name);
  for (char** e = envp; e != nullptr && *e != nullptr; ++e)
    if (std::strncmp(*e, name, n) == 0 && (*e)[n] == '=') return true;
  return false;
}

// True when the run will use one intra-op thread (--threads 1, or OMP_NUM_THREADS=1 and no
// --threads): no worker threads, nothing spins, so no exec is needed.
bool single_threaded(int argc, char** argv, char** envp) {
  const char* threads = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = argv[i + 1];
    if (std::strncmp(argv[i], "--threads=", 10) == 0) threads = argv[i] + 10;
  }
  if (threads != nullptr) return std::strcmp(threads, "1") == 0;
  for (char** e = envp; *e != nullptr; ++e)
    if (std::strcmp(*e, "OMP_NUM_THREADS=1") == 0) return true;
  return false;
}

}  // namespace

// An executable may define this to say that the command it was started with runs no parallel
// work (the CLI: --version, --help, info), and so needs no re-execution. Weak: elsewhere (the
// explorer, the tests) it is null and the rule above applies.
extern "C" __attribute__((weak)) int shortrun_command_is_light(int argc, char** argv);

namespace {
void reexec_with_passive_omp_wait(int argc, char** argv, char** envp) {
  if (argc < 1 || argv == nullptr || argv[0] == nullptr || envp == nullptr) return;
  if (shortrun_command_is_light != nullptr && shortrun_command_is_light(argc, argv) != 0) return;
  for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME"})
    if (has_variable(envp, name)) return;
  if (single_threaded(argc, argv, envp)) return;
  size_t n = 0;
  while (envp[n] != nullptr) ++n;
  static char passive[] = "OMP_WAIT_POLICY=PASSIVE";
  // The mark lets `shortrun bench` start PyTorch and its own copies without the policy set here.
  static char mark[] = "SHORTRUN_SET_OMP_WAIT_POLICY=1";
  char** env = static_cast<char**>(std::malloc((n + 3) * sizeof(char*)));
  if (env == nullptr) return;
  std::memcpy(env, envp, n * sizeof(char*));
  env[n] = passive;
  env[n + 1] = mark;
  env[n + 2] = nullptr;
  ::execve("/proc/self/exe", argv, env);  // setenv + execv from here would pass the old environ
  std::free(env);
}
}  // namespace

#ifdef SHORTRUN_CORE_SHARED
// A shared library has no .preinit_array: re-execute from a constructor (glibc passes it argc,
// argv, envp), after libtorch's start-up, which is then paid twice.
__attribute__((constructor(101))) static void passive_omp_wait_ctor(int argc, char** argv, char** envp) {
  reexec_with_passive_omp_wait(argc, argv, envp);
}
#else
__attribute__((section(".preinit_array"), used)) static void (*const kPassiveOmpWait)(int, char**, char**) =
    &reexec_with_passive_omp_wait;
#endif

namespace shortrun {

int available_cores() {
  // The cores this process may run on (taskset, cgroup cpusets), not all the machine has.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int max_threads() { return 4 * available_cores(); }

int set_threads(int n) {
  if (n <= 0) {
    // OMP_NUM_THREADS, when set, is the user's (or the test runner's) explicit choice.
    const char* omp = std::getenv("OMP_NUM_THREADS");
    n = omp ? std::atoi(omp) : 0;
  }
  if (n <= 0) n = available_cores();
  // Hundreds of threads buy nothing and, under an address-space limit, hung inside
  // pthreadpool_create (909 threads, 0% CPU). The CLI refuses such counts; here they are capped.
  n = std::min(n, max_threads());
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

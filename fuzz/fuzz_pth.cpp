// libFuzzer harness: PyTorch .pth files (core/src/io/torch_pickle.cpp: our zip reader and restricted
// unpickler) through is_torchscript_archive and read_torch_state_dict, as load_energy_model calls them.
#include "fuzz_input.h"
#include "shortrun/io/torch_pickle.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = shortrun::fuzz::input_file(data, size, ".pth");
  shortrun::fuzz::expect_clean([&] {
    if (shortrun::is_torchscript_archive(path)) return;  // torch::jit::load's, not ours
    for (const auto& [name, t] : shortrun::read_torch_state_dict(path))
      if (!t.is_contiguous()) std::abort();
  });
  return 0;
}

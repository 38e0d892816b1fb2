// libFuzzer harness: .safetensors files (core/src/io/safetensors.cpp) through read_safetensors, the
// reader of checkpoints (load_checkpoint) and of the feature net's weights.
#include "fuzz_input.h"
#include "shortrun/io/safetensors.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = shortrun::fuzz::input_file(data, size, ".safetensors");
  shortrun::fuzz::expect_clean([&] {
    const shortrun::SafetensorsFile file = shortrun::read_safetensors(path);
    for (const auto& [name, t] : file.tensors)
      if (!t.is_contiguous() || file.find(name) == nullptr) std::abort();
  });
  return 0;
}

// libFuzzer harness: NumPy .npy files (core/src/io/npy.cpp: header parser and reader) through
// read_image_or_npy, as `sample --init`, `reconstruct` and `interpolate` call it.
#include "fuzz_input.h"
#include "shortrun/io/image_io.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = shortrun::fuzz::input_file(data, size, ".npy");
  shortrun::fuzz::expect_clean([&] {
    const torch::Tensor t = shortrun::read_image_or_npy(path);
    if (t.dim() != 4 || t.scalar_type() != torch::kFloat32) std::abort();
  });
  return 0;
}

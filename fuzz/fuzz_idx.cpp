// libFuzzer harness: IDX image files, plain or gzip (core/src/io/datasets.cpp, zlib under a cap),
// through load_dataset("idx:PATH"), as `train --data idx:PATH` and `eval-recon` call it.
#include "fuzz_input.h"
#include "shortrun/io/datasets.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = shortrun::fuzz::input_file(data, size, ".gz");
  shortrun::fuzz::expect_clean([&] {
    shortrun::DataOptions options;
    options.limit = 2;
    const shortrun::Dataset d = shortrun::load_dataset("idx:" + path, options);
    if (d.images.dim() != 4 || d.images.size(2) != 32) std::abort();
  });
  return 0;
}

// libFuzzer harness: TorchScript archives (.pt) through our own screen (core/src/io/torchscript_screen.cpp:
// zip reader, pickle machine, code scan), which runs before torch::jit::load reads anything.
#include "fuzz_input.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/torchscript_screen.h"
#include "shortrun/io/zip_reader.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = shortrun::fuzz::input_file(data, size, ".pt");
  for (const bool trust_code : {false, true})
    shortrun::fuzz::expect_clean([&] {
      const shortrun::ZipReader zip(path, shortrun::read_regular_file(path));
      shortrun::screen_torchscript_archive(zip, trust_code);
    });
  return 0;
}

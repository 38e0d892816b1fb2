// libFuzzer harness: PNG/JPEG decoding through our wrapper (core/src/io/image_io.cpp over stb_image for
// PNG, core/src/io/jpeg_reader.cpp over libjpeg-turbo for JPEG): read_image_or_npy, then conform_image
// to a 3x32x32 model input, as `reconstruct --image` does.
#include "fuzz_input.h"
#include "shortrun/io/image_io.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = shortrun::fuzz::input_file(data, size, ".png");
  shortrun::fuzz::expect_clean([&] {
    const torch::Tensor batch = shortrun::read_image_or_npy(path);
    const torch::Tensor x = shortrun::conform_image(batch[0], 3, 32, 32);
    if (x.size(0) != 3 || x.size(1) != 32 || x.size(2) != 32) std::abort();
  });
  return 0;
}

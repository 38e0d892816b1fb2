// libFuzzer harness: image folders (core/src/io/datasets.cpp's folder source over image_io.cpp), as
// `train --data folder:DIR` and the OOD probe read them. The input's first byte says how many
// files (1 to 4) the rest is cut into, in equal parts, each written into one folder per process
// under a PNG or JPEG name, beside a file that is not an image.
#include <sys/stat.h>

#include "fuzz_input.h"
#include "shortrun/io/datasets.h"

namespace {

const std::string& folder() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string d = std::string(tmp && *tmp ? tmp : "/tmp") + "/shortrun_fuzz_folder_" + std::to_string(getpid());
    mkdir(d.c_str(), 0700);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* names[] = {"a.png", "b.jpg", "c.png", "d.jpeg"};
  const size_t files = 1 + data[0] % 4, part = (size - 1) / files;
  for (size_t i = 0; i < 4; ++i) unlink((folder() + "/" + names[i]).c_str());
  for (size_t i = 0; i < files; ++i) shortrun::fuzz::write_bytes(folder() + "/" + names[i], data + 1 + i * part, part);
  static const uint8_t note[] = "not an image";
  shortrun::fuzz::write_bytes(folder() + "/notes.txt", note, sizeof note - 1);
  shortrun::fuzz::expect_clean([&] {
    shortrun::DataOptions options;
    options.image_size = 32;
    const shortrun::Dataset d = shortrun::load_dataset("folder:" + folder(), options);
    if (d.images.dim() != 4 || d.images.size(2) != 32) std::abort();
  });
  return 0;
}

// Training/evaluation data as one in-memory tensor [N,C,S,S] in [-1,1]. Sources:
//   fashion-mnist           Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)
//   idx:PATH                an IDX image file (MNIST format, .gz allowed)
//   cifar10:DIR             CIFAR-10 binary batches (data_batch_*.bin or test_batch.bin)
//   folder:DIR              every readable PNG/JPEG in DIR (center-cropped and resized)
// 28x28 images are padded to 32x32 with -1, as the paper does.
#pragma once
#include <string>

#include <torch/torch.h>

namespace shortrun {

struct Dataset {
  torch::Tensor images;  // [N,C,S,S] float32 in [-1,1]
  std::string description;
  int64_t skipped = 0;   // unreadable files skipped (folder source)
};

struct DataOptions {
  std::string split = "train";  // train | test (fashion-mnist, cifar10)
  int64_t image_size = 32;
  int64_t limit = 0;            // keep only the first `limit` images (0: all)
};

Dataset load_dataset(const std::string& spec, const DataOptions& options = {});

// Default location of Debian's Fashion-MNIST; SHORTRUN_FASHION_MNIST_DIR overrides.
std::string fashion_mnist_dir();

// IDX reader (uint8 data): returns [N, rows, cols] uint8. Accepts gzip-compressed files.
torch::Tensor read_idx_images(const std::string& path);

// gzip (RFC 1952) decompression; data not starting with the gzip magic is returned as is.
std::vector<uint8_t> maybe_gunzip(const std::vector<uint8_t>& data, const std::string& origin);

}  // namespace shortrun

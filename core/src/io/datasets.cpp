// Dataset loaders: IDX (+gzip via zlib, bounded), CIFAR-10 binary, image folders.
#include "shortrun/io/datasets.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"

namespace shortrun {
namespace fs = std::filesystem;

namespace {
// gzip header checks shared by maybe_gunzip and the IDX reader.
void check_gzip_header(const std::vector<uint8_t>& data, const std::string& origin) {
  if (data.size() < 18 || data[2] != 8) throw file_error(origin, "corrupt gzip data: unsupported header");
}

[[noreturn]] void gzip_failed(const Inflated& z, const std::string& origin) {
  throw file_error(origin, std::string("corrupt gzip data: ") +
                               (z.status == Inflated::kTruncated ? "stream ends early (truncated file?)"
                                                                   : clip(z.message.empty() ? "inflate failed" : z.message)));
}
}  // namespace

// The gzip ISIZE field is not trusted (it can lie): the stream is inflated under a cap.
std::vector<uint8_t> maybe_gunzip(const std::vector<uint8_t>& data, const std::string& origin) {
  if (data.size() < 2 || data[0] != 0x1f || data[1] != 0x8b) return data;
  check_gzip_header(data, origin);
  const int64_t cap = kMaxDecodedBytes.value();
  Inflated z = inflate_limited(data.data(), data.size(), ZFormat::kGzip, static_cast<size_t>(cap));
  if (z.status == Inflated::kTooBig)
    throw file_error(origin, kMaxDecodedBytes.exceeded("gzip data inflating to more than " + std::to_string(cap) + " bytes"));
  if (z.status != Inflated::kComplete) gzip_failed(z, origin);
  return std::move(z.bytes);
}

torch::Tensor read_idx_images(const std::string& path) {
  std::vector<uint8_t> bytes = read_regular_file(path);
  const bool gz = bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
  auto be32 = [](const std::vector<uint8_t>& b, size_t at) {
    return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) | b[at + 3];
  };
  // The header first (for gzip: only its first 16 inflated bytes), so the size it promises is
  // checked before anything big is allocated or inflated.
  std::vector<uint8_t> gz_head;
  if (gz) {
    check_gzip_header(bytes, path);
    Inflated z = inflate_limited(bytes.data(), bytes.size(), ZFormat::kGzip, 16);
    if (z.status == Inflated::kCorrupt) gzip_failed(z, path);
    gz_head = std::move(z.bytes);
  }
  const std::vector<uint8_t>& head = gz ? gz_head : bytes;
  if (head.size() < 16 || be32(head, 0) != 0x00000803)
    throw file_error(path, "not an IDX image file: expected magic 0x00000803 (unsigned bytes, 3 dimensions)");
  const int64_t n = be32(head, 4), rows = be32(head, 8), cols = be32(head, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    throw file_error(path, "IDX header says " + std::to_string(n) + "x" + std::to_string(rows) + "x" + std::to_string(cols) +
                               " images; expected 1..4096 rows and columns");
  const int64_t pixels = n * rows * cols;  // < 2^56: cannot overflow
  const std::string promised = "IDX header says " + std::to_string(n) + "x" + std::to_string(rows) + "x" + std::to_string(cols);
  if (pixels > kMaxDecodedBytes.value() - 16)
    throw file_error(path, kMaxDecodedBytes.exceeded(promised + ", " + std::to_string(pixels) + " bytes,"));
  if (gz) {
    // Exactly 16 + pixels bytes may come out; a stream that holds more is refused unread.
    Inflated z = inflate_limited(bytes.data(), bytes.size(), ZFormat::kGzip, static_cast<size_t>(16 + pixels), true);
    if (z.status == Inflated::kTooBig)
      throw file_error(path, promised + " but the gzip data inflates to more than its " + std::to_string(16 + pixels) + " bytes");
    if (z.status == Inflated::kCorrupt) gzip_failed(z, path);
    bytes = std::move(z.bytes);  // a truncated stream is reported as too short below
  }
  if (static_cast<int64_t>(bytes.size()) - 16 != pixels)
    throw file_error(path, promised + " (" + std::to_string(pixels) + " bytes) but the file holds " +
                               std::to_string(bytes.size() - 16) + " bytes of pixels");
  torch::Tensor t = torch::empty({n, rows, cols}, torch::kUInt8);
  if (pixels) std::memcpy(t.data_ptr(), bytes.data() + 16, static_cast<size_t>(pixels));
  return t;
}

std::string fashion_mnist_dir() {
  if (const char* env = std::getenv("SHORTRUN_FASHION_MNIST_DIR")) return env;
  return "/usr/share/datasets/fashion-mnist";
}

namespace {

torch::Tensor to_unit_range(const torch::Tensor& u8) { return u8.to(torch::kFloat32).div_(127.5).sub_(1.0); }

// [N,C,h,w] in [-1,1] -> [N,C,S,S]: pad 28 -> 32 with -1 (the paper's choice), else resize.
torch::Tensor fit_size(const torch::Tensor& x, int64_t size) {
  if (x.size(2) == size && x.size(3) == size) return x;
  if (x.size(2) == 28 && x.size(3) == 28 && size == 32)
    return torch::constant_pad_nd(x, {2, 2, 2, 2}, -1.0);
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBilinear).align_corners(false));
}

Dataset load_idx(const std::string& path, const DataOptions& o, const std::string& label) {
  if (!file_exists(path)) throw file_error(path, "no such file; expected an IDX image file");
  torch::Tensor u8 = read_idx_images(path);
  if (o.limit > 0 && u8.size(0) > o.limit) u8 = u8.narrow(0, 0, o.limit);
  return {fit_size(to_unit_range(u8).unsqueeze(1), o.image_size).contiguous(), label + " (" + std::to_string(u8.size(0)) + " images)", 0};
}

Dataset load_cifar(const std::string& dir, const DataOptions& o) {
  if (!fs::is_directory(dir)) throw file_error(dir, "no such directory; expected CIFAR-10 binary batches");
  std::vector<std::string> files;
  if (o.split == "test") files.push_back(dir + "/test_batch.bin");
  else for (int i = 1; i <= 5; ++i) files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  std::vector<torch::Tensor> parts;
  for (const auto& f : files) {
    if (!file_exists(f)) {
      if (o.split != "test" && !parts.empty()) continue;
      throw file_error(f, "missing; expected CIFAR-10 binary batch files (data_batch_1.bin ... / test_batch.bin)");
    }
    const auto bytes = read_regular_file(f);
    if (bytes.empty() || bytes.size() % 3073 != 0)
      throw file_error(f, "size " + std::to_string(bytes.size()) + " is not a multiple of 3073 bytes (label + 3x32x32)");
    const int64_t n = bytes.size() / 3073;
    torch::Tensor rec = torch::from_blob(const_cast<uint8_t*>(bytes.data()), {n, 3073}, torch::kUInt8);
    parts.push_back(rec.narrow(1, 1, 3072).reshape({n, 3, 32, 32}).clone());
  }
  torch::Tensor u8 = torch::cat(parts);
  if (o.limit > 0 && u8.size(0) > o.limit) u8 = u8.narrow(0, 0, o.limit);
  return {fit_size(to_unit_range(u8), o.image_size).contiguous(), "CIFAR-10 " + o.split + " (" + std::to_string(u8.size(0)) + " images)", 0};
}

// Images are decoded one at a time into one tensor allocated for all of them, after checking that
// it fits SHORTRUN_MAX_DECODED_BYTES (100,000 tiny PNGs once took 2.8 GB as separate tensors,
// stacked at the end into a second copy).
Dataset load_folder(const std::string& dir, const DataOptions& o) {
  const std::string expected = "expected a folder of PNG/JPEG images";
  const std::vector<std::string> paths = list_folder_files(dir, expected);
  const int64_t cap = o.limit > 0 ? std::min<int64_t>(o.limit, int64_t(paths.size())) : int64_t(paths.size());
  torch::Tensor images;  // [cap, C, S, S], allocated once the first image gives C
  int64_t count = 0, skipped = 0, channels = 0;
  for (const auto& p : paths) {
    if (count >= cap) break;
    torch::Tensor img;
    try {
      img = read_image(p);
    } catch (const Error&) {
      ++skipped;
      continue;
    }
    if (channels == 0) {
      channels = (img.size(0) >= 3) ? 3 : 1;
      const double bytes = double(cap) * double(channels) * double(o.image_size) * double(o.image_size) * sizeof(float);
      if (bytes > double(kMaxDecodedBytes.value()))
        throw file_error(dir, kMaxDecodedBytes.exceeded(std::to_string(cap) + " files decoded to " + std::to_string(channels) + "x" +
                                                        std::to_string(o.image_size) + "x" + std::to_string(o.image_size) +
                                                        " float32 images, " + std::to_string(int64_t(bytes)) + " bytes,") +
                                   "; use --limit N for fewer images");
      images = torch::empty({cap, channels, o.image_size, o.image_size}, torch::kFloat32);
    }
    images[count++].copy_(conform_image(img, channels, o.image_size, o.image_size));
  }
  if (count == 0)
    throw file_error(dir, "no readable image among " + std::to_string(paths.size()) + " files; expected PNG or JPEG files");
  return {images.narrow(0, 0, count).contiguous(),
          "folder " + printable(dir) + " (" + std::to_string(count) + " images, " + std::to_string(skipped) + " unreadable skipped)", skipped};
}

}  // namespace

Dataset load_dataset(const std::string& spec, const DataOptions& o) {
  if (o.split != "train" && o.split != "test") throw Error("split '" + o.split + "' is unknown; expected train or test");
  if (spec == "fashion-mnist") {
    const std::string dir = fashion_mnist_dir();
    const std::string file = dir + (o.split == "train" ? "/train-images-idx3-ubyte.gz" : "/t10k-images-idx3-ubyte.gz");
    if (!file_exists(file))
      throw file_error(file, "missing; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)");
    return load_idx(file, o, "Fashion-MNIST " + o.split);
  }
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (colon != std::string::npos && !arg.empty()) {
    if (kind == "idx") return load_idx(arg, o, "IDX " + arg);
    if (kind == "cifar10") return load_cifar(arg, o);
    if (kind == "folder") return load_folder(arg, o);
  }
  throw Error("data source '" + spec + "' is unknown; expected fashion-mnist, idx:PATH, cifar10:DIR or folder:DIR");
}

}  // namespace shortrun

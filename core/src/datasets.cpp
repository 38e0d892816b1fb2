// Dataset loaders: IDX (+gzip via stb's inflate), CIFAR-10 binary, image folders.
#include "shortrun/datasets.h"

#include <stb_image.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "shortrun/error.h"
#include "shortrun/file_util.h"
#include "shortrun/image_io.h"

namespace shortrun {
namespace fs = std::filesystem;

namespace {
// Pipes the bytes through `gzip -dc`; empty on any failure.
std::vector<uint8_t> gunzip_with_tool(const std::vector<uint8_t>& data) {
  char tmpl[] = "/tmp/shortrun_gz_XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return {};
  const bool written = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  close(fd);
  std::vector<uint8_t> out;
  if (written) {
    if (FILE* pipe = popen(("gzip -dc < " + std::string(tmpl) + " 2>/dev/null").c_str(), "r")) {
      uint8_t buf[65536];
      size_t got = 0;
      while ((got = fread(buf, 1, sizeof buf, pipe)) > 0) out.insert(out.end(), buf, buf + got);
      if (pclose(pipe) != 0) out.clear();
    }
  }
  std::remove(tmpl);
  return out;
}
}  // namespace

std::vector<uint8_t> maybe_gunzip(const std::vector<uint8_t>& data, const std::string& origin) {
  if (data.size() < 2 || data[0] != 0x1f || data[1] != 0x8b) return data;
  const std::string bad = "corrupt gzip data: ";
  if (data.size() < 18 || data[2] != 8) throw file_error(origin, bad + "unsupported header");
  const uint8_t flags = data[3];
  size_t pos = 10;
  if (flags & 4) pos += 2 + (data[10] | (data[11] << 8));            // FEXTRA
  if (flags & 8) while (pos < data.size() && data[pos++]) {}          // FNAME
  if (flags & 16) while (pos < data.size() && data[pos++]) {}         // FCOMMENT
  if (flags & 2) pos += 2;                                            // FHCRC
  if (pos + 8 > data.size()) throw file_error(origin, bad + "truncated");
  uint32_t isize = 0;
  std::memcpy(&isize, data.data() + data.size() - 4, 4);
  std::vector<uint8_t> out(isize);
  const int n = stbi_zlib_decode_noheader_buffer(reinterpret_cast<char*>(out.data()), static_cast<int>(out.size()),
                                                 reinterpret_cast<const char*>(data.data() + pos),
                                                 static_cast<int>(data.size() - pos - 8));
  if (n >= 0 && static_cast<uint32_t>(n) == isize) return out;
  // stb's inflate rejects valid streams with incomplete Huffman trees (Debian's Fashion-MNIST
  // label files use one); gzip itself (an essential Debian package) reads them.
  std::vector<uint8_t> fallback = gunzip_with_tool(data);
  if (fallback.size() == isize) return fallback;
  throw file_error(origin, bad + "inflate failed (truncated file?)");
}

torch::Tensor read_idx_images(const std::string& path) {
  const auto bytes = maybe_gunzip(read_file_bytes(path), path);
  auto be32 = [&](size_t at) {
    return (uint32_t(bytes[at]) << 24) | (uint32_t(bytes[at + 1]) << 16) | (uint32_t(bytes[at + 2]) << 8) | bytes[at + 3];
  };
  if (bytes.size() < 16 || be32(0) != 0x00000803)
    throw file_error(path, "not an IDX image file: expected magic 0x00000803 (unsigned bytes, 3 dimensions)");
  const uint64_t n = be32(4), rows = be32(8), cols = be32(12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || bytes.size() - 16 < n * rows * cols)
    throw file_error(path, "IDX header says " + std::to_string(n) + "x" + std::to_string(rows) + "x" +
                               std::to_string(cols) + " but the file holds " + std::to_string(bytes.size() - 16) + " bytes");
  torch::Tensor t = torch::empty({int64_t(n), int64_t(rows), int64_t(cols)}, torch::kUInt8);
  std::memcpy(t.data_ptr(), bytes.data() + 16, n * rows * cols);
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
    const auto bytes = read_file_bytes(f);
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

Dataset load_folder(const std::string& dir, const DataOptions& o) {
  if (!fs::is_directory(dir)) throw file_error(dir, "no such directory; expected a folder of PNG/JPEG images");
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<torch::Tensor> imgs;
  int64_t skipped = 0, channels = 0;
  for (const auto& p : paths) {
    if (o.limit > 0 && static_cast<int64_t>(imgs.size()) >= o.limit) break;
    torch::Tensor img;
    try {
      img = read_image(p);
    } catch (const Error&) {
      ++skipped;
      continue;
    }
    if (channels == 0) channels = (img.size(0) >= 3) ? 3 : 1;
    imgs.push_back(conform_image(img, channels, o.image_size, o.image_size));
  }
  if (imgs.empty())
    throw file_error(dir, "no readable image among " + std::to_string(paths.size()) + " files; expected PNG or JPEG files");
  return {torch::stack(imgs), "folder " + dir + " (" + std::to_string(imgs.size()) + " images, " + std::to_string(skipped) + " unreadable skipped)", skipped};
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

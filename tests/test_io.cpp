// File formats: NPY, PNG, JPEG, image conformance, IDX (+gzip), CIFAR-10 batches, image folders.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <limits>

#include "shortrun/io/datasets.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/npy.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;
using test::fixture;

TEST(Npy, RoundTrip) {
  const std::string p = test::temp_dir("npy") + "/a.npy";
  const torch::Tensor t = torch::randn({2, 3, 4, 5});
  write_npy(p, t);
  EXPECT_TRUE(torch::equal(read_npy(p), t));
}

TEST(Npy, ReadsNumpyFiles) {
  // Written by NumPy in the fixture script.
  const torch::Tensor x = read_npy(fixture("init.npy"));
  EXPECT_EQ(x.sizes(), torch::IntArrayRef({1, 1, 32, 32}));
}

TEST(Npy, BadFiles) {
  const std::string dir = test::temp_dir("npy");
  std::ofstream(dir + "/junk.npy") << "hello";
  expect_error([&] { read_npy(dir + "/junk.npy"); }, {"junk.npy", "NUMPY"});
  expect_error([&] { read_image_or_npy(dir + "/none.npy"); }, {"none.npy", "no such file"});
  expect_error([&] { read_npy(dir); }, {dir, "is a directory"});
}

// The header dict is parsed by hand (std::regex recursed once per character of a 20,000-char
// descr and overflowed the stack).
TEST(NpyHeader, ParsesWhatNumpyWrites) {
  NpyHeader h = parse_npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }          \n");
  EXPECT_EQ(h.descr, "<f4");
  EXPECT_FALSE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<int64_t>{2, 3, 4}));
  h = parse_npy_header("{\"shape\":(5,),\"fortran_order\":True,\"descr\":\"<f8\"}");
  EXPECT_EQ(h.descr, "<f8");
  EXPECT_TRUE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<int64_t>{5}));
  EXPECT_TRUE(parse_npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': ()}").shape.empty());
  EXPECT_EQ(parse_npy_header("{'descr':'<f4','fortran_order':False,'shape':(3L, 0)}").shape, (std::vector<int64_t>{3, 0}));
}

TEST(NpyHeader, RejectsMalformedAndOverflowingHeaders) {
  const std::string ok_tail = "'fortran_order': False, 'shape': (1,)}";
  auto bad = [](const std::string& text, const std::string& fragment) {
    expect_error([&] { parse_npy_header(text); }, {fragment});
  };
  bad("", "expected '{'");
  bad("{'descr': '<f4', " + ok_tail + " trailing", "text after the header dict");
  bad("{'descr': '<f4', 'fortran_order': False}", "no 'shape'");
  bad("{'fortran_order': False, 'shape': (1,)}", "no 'descr'");
  bad("{'descr': '<f4', 'descr': '<f4', " + ok_tail, "appears twice");
  bad("{'descr': [('a', '<f4')], " + ok_tail, "structured dtypes");
  bad("{'descr': '<f4, " + ok_tail, "expected ',' or '}'");
  bad("{'descr' '<f4', " + ok_tail, "expected ':'");
  bad("{'descr': '<f4", "unterminated string");
  bad("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", "neither True nor False");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "not a non-negative integer");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}", "expected ',' or ')'");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,)}", "overflows 64 bits");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "overflows 64 bits");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296)}", "overflows 64 bits");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unknown header key");
  bad("{'descr': 'a\\'b', " + ok_tail, "escape sequences");
  // Long headers parse in linear time without recursion.
  EXPECT_EQ(parse_npy_header("{'descr': '<f4" + std::string(200000, 'x') + "', " + ok_tail).descr.size(), 200003u);
  EXPECT_EQ(parse_npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(100000, ' ') + "1,)}").shape.size(), 1u);
}

TEST(Npy, HeaderLengthLimitIsNamed) {
  const std::string p = test::temp_dir("npy") + "/long.npy";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  header += std::string(20000, ' ') + "\n";
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.write(reinterpret_cast<const char*>(&len), 2);
  out << header;
  out.write("\0\0\0\0", 4);
  out.close();
  expect_error([&] { read_npy(p); }, {"long.npy", "10000 bytes", "SHORTRUN_MAX_NPY_HEADER_BYTES"});
  setenv("SHORTRUN_MAX_NPY_HEADER_BYTES", "30000", 1);
  EXPECT_EQ(read_npy(p).numel(), 1);
  unsetenv("SHORTRUN_MAX_NPY_HEADER_BYTES");
}

// Arithmetic on sizes, strides and offsets from files: overflow is an answer, never a wrap.
TEST(CheckedMath, MulAddNumel) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(checked_mul(3, 4), 12);
  EXPECT_EQ(checked_mul(int64_t(1) << 31, int64_t(1) << 31), int64_t(1) << 62);
  EXPECT_FALSE(checked_mul(int64_t(1) << 32, int64_t(1) << 31));
  EXPECT_FALSE(checked_mul(-1, 2));
  EXPECT_EQ(checked_add(max - 1, 1), max);
  EXPECT_FALSE(checked_add(max, 1));
  EXPECT_FALSE(checked_add(-5, 1));
  EXPECT_EQ(checked_numel({}), 1);
  EXPECT_EQ(checked_numel({2, 3, 4}), 24);
  EXPECT_EQ(checked_numel({0, 5}), 0);
  EXPECT_FALSE(checked_numel({-1}));
  EXPECT_FALSE(checked_numel({int64_t(1) << 32, int64_t(1) << 32}));
  // An empty tensor whose other sizes overflow: LibTorch would overflow computing its storage.
  EXPECT_FALSE(checked_numel({0, int64_t(1) << 40, int64_t(1) << 40}));
}

TEST(CheckedMath, StridedViewBounds) {
  const int64_t p63 = std::numeric_limits<int64_t>::max();  // 2^63 - 1
  EXPECT_EQ(check_strided_view(0, {4, 4}, {4, 1}, 16), "");
  EXPECT_EQ(check_strided_view(2, {2, 3}, {1, 2}, 8), "");  // transposed: last = 2 + 1 + 4 = 7
  EXPECT_NE(check_strided_view(2, {2, 3}, {1, 2}, 7), "");
  EXPECT_EQ(check_strided_view(5, {0, 9}, {1, 1}, 5), "");  // empty view at the end
  EXPECT_NE(check_strided_view(6, {0}, {1}, 5), "");         // ... but not past it
  EXPECT_EQ(check_strided_view(0, {1000}, {0}, 1), "");      // zero stride: one element
  // Issue 16: offset 2^63-2^40, size [2], stride [2^40]: the sum wraps negative. Refused for
  // its offset in a small storage, and for the overflow itself in a huge one.
  EXPECT_NE(check_strided_view(p63 - (int64_t(1) << 40) + 1, {2}, {int64_t(1) << 40}, 16), "");
  EXPECT_NE(check_strided_view(p63 - (int64_t(1) << 40) + 1, {2}, {int64_t(1) << 40}, p63).find("overflows"),
            std::string::npos);
  // Offset 0, extent 7 * (2^64 + 5) / 7 + 8 wraps to 13: inside a 72-element storage if unchecked.
  const int64_t x2 = static_cast<int64_t>(~uint64_t(0) / 7 + 1);  // (2^64 + 5) / 7
  EXPECT_NE(check_strided_view(0, {8, 1, 3, 3}, {x2, 9, 3, 1}, 72).find("overflows"), std::string::npos);
  // offset 2^63-2047 with a stride whose extent wraps to 4, inside the storage (the heap leak).
  const int64_t x = static_cast<int64_t>((static_cast<uint64_t>(1) << 63) / 7 + 292);  // (2^63 + 2043) / 7
  EXPECT_NE(check_strided_view(p63 - 2046, {8, 1, 3, 3}, {x, 9, 3, 1}, 72), "");
  EXPECT_NE(check_strided_view(int64_t(1) << 62, {4}, {1}, 16), "");
  EXPECT_NE(check_strided_view(-1, {4}, {1}, 16).find("negative"), std::string::npos);
  EXPECT_NE(check_strided_view(0, {4}, {-1}, 16).find("negative"), std::string::npos);
  EXPECT_NE(check_strided_view(0, {-4}, {1}, 16).find("negative"), std::string::npos);
  EXPECT_NE(check_strided_view(0, {4}, {1, 1}, 16).find("rank"), std::string::npos);
  EXPECT_NE(check_strided_view(0, {int64_t(1) << 32, int64_t(1) << 32}, {0, 0}, 16).find("overflows"), std::string::npos);
  EXPECT_NE(check_strided_view(0, {3, p63}, {p63, 1}, 16).find("overflows"), std::string::npos);
}

TEST(Limits, EnvironmentOverridesAndBadValues) {
  EXPECT_EQ(kMaxPickleOps.value(), kMaxPickleOps.default_value);
  setenv("SHORTRUN_MAX_PICKLE_OPS", "123", 1);
  EXPECT_EQ(kMaxPickleOps.value(), 123);
  EXPECT_NE(kMaxPickleOps.exceeded("x").find("limit of 123 opcodes (set SHORTRUN_MAX_PICKLE_OPS"), std::string::npos);
  for (const char* bad : {"0", "-5", "12abc", "lots", "99999999999999999999"}) {
    setenv("SHORTRUN_MAX_PICKLE_OPS", bad, 1);
    expect_error([&] { kMaxPickleOps.value(); }, {"SHORTRUN_MAX_PICKLE_OPS", "positive integer"});
  }
  unsetenv("SHORTRUN_MAX_PICKLE_OPS");
}

TEST(FileChecks, RefusesNonRegularFilesWithoutBlocking) {
  const std::string dir = test::temp_dir("fifo");
  const std::string fifo = dir + "/model.pth";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_error([&] { read_regular_file(fifo); }, {"model.pth", "FIFO"});
  expect_error([&] { read_npy(fifo); }, {"model.pth", "FIFO"});
  expect_error([&] { read_image(fifo); }, {"model.pth", "FIFO"});
  expect_error([&] { read_idx_images(fifo); }, {"model.pth", "FIFO"});
  expect_error([&] { read_regular_file("/dev/zero"); }, {"/dev/zero", "character device"});
  expect_error([&] { read_regular_file(dir); }, {dir, "is a directory"});
  expect_error([&] { read_regular_file(dir + "/none"); }, {"none", "no such file"});
}

TEST(Png, HugeHeaderIsRefusedBeforeDecoding) {
  // A 20000x20000 gray PNG header (decoding it would take 400 MB, as float 1.6 GB).
  const std::string p = test::temp_dir("png") + "/huge.png";
  const torch::Tensor small = torch::zeros({1, 4, 4});
  write_png(p, small);
  std::string bytes;
  {
    std::ifstream in(p, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // IHDR width/height live at bytes 16..23 (the CRC is not checked by stb's info pass).
  const unsigned char dims[8] = {0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20};
  bytes.replace(16, 8, reinterpret_cast<const char*>(dims), 8);
  std::ofstream(p, std::ios::binary) << bytes;
  expect_error([&] { read_image(p); }, {"huge.png", "20000x20000", "SHORTRUN_MAX_IMAGE_PIXELS"});
}

TEST(Png, RoundTripIsExactForEightBitValues) {
  const std::string p = test::temp_dir("png") + "/x.png";
  const torch::Tensor u8 = torch::randint(0, 256, {3, 7, 9}, torch::kInt64);
  const torch::Tensor x = u8.to(torch::kFloat32) / 127.5 - 1.0;
  write_png(p, x);
  const torch::Tensor back = read_image(p);
  EXPECT_EQ(back.sizes(), x.sizes());
  EXPECT_LT((back - x).abs().max().item<float>(), 1e-6f);
}

namespace {
std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
uint32_t crc32_of(const std::string& s) {  // PNG's chunk CRC (ISO 3309), bit by bit
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char byte : s) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}
std::string empty_idat_chunk() {
  const std::string crc = {char(0), char(0), char(0), char(0)};
  const uint32_t v = crc32_of("IDAT");
  const std::string be = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  return crc + "IDAT" + be;
}
}  // namespace

TEST(Png, EmptyImageDataChunksAreHarmless) {
  // A zero-length first IDAT made stb memcpy into a null buffer (UB found by fuzz_image; stb's
  // translation unit has since left UBSan, see fuzz/CMakeLists.txt). Legal, so still decoded.
  const std::string dir = test::temp_dir("png");
  const torch::Tensor x = torch::randint(0, 256, {3, 5, 6}, torch::kInt64).to(torch::kFloat32) / 127.5 - 1.0;
  write_png(dir + "/plain.png", x);
  std::string bytes = file_bytes(dir + "/plain.png");
  const size_t idat = bytes.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  bytes.insert(idat - 4, empty_idat_chunk());  // before the real one: the first IDAT is empty
  std::ofstream(dir + "/empty_idat.png", std::ios::binary) << bytes;
  const torch::Tensor back = read_image(dir + "/empty_idat.png");
  EXPECT_EQ(back.sizes(), x.sizes());
  EXPECT_LT((back - x).abs().max().item<float>(), 1e-6f);

  // The fuzzer's input: a 2x2 16-bit gray header, an unknown chunk, one empty IDAT, then the
  // file ends where the next chunk would start.
  const unsigned char found[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00, 0x00, 0x00, 0x00, 0x07, 0x4d, 0x8e, 0xbb, 0x00, 0x00, 0x00,
      0x0b, 0x63, 0x44, 0x9c, 0x54, 0x78, 0x41, 0x49, 0x60, 0x80, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x7f, 0x80,
      0x74, 0x5e, 0x00, 0x00, 0x00, 0x00, 0x49, 0x44, 0x41, 0x54, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  std::ofstream(dir + "/fuzzed.png", std::ios::binary).write(reinterpret_cast<const char*>(found), sizeof(found));
  expect_error([&] { read_image(dir + "/fuzzed.png"); }, {"fuzzed.png", "expected PNG or JPEG"});
}

TEST(Png, NonImageFile) {
  expect_error([&] { read_image(fixture("energy_in.npy")); }, {"energy_in.npy", "expected PNG or JPEG"});
}

// JPEG through libjpeg-turbo (fixtures: tests/reference/jpeg_fixtures.py, PIL's decode as the
// reference). A build without libjpeg refuses every JPEG with one line saying so.
TEST(Jpeg, DecodesAsPilDoes) {
  for (const char* name : {"photo_rgb", "photo_gray", "photo_progressive"}) {
    const std::string path = fixture(std::string(name) + ".jpg");
    if (!jpeg_supported()) {
      expect_error([&] { read_image(path); }, {name, "this build reads PNG only; JPEG support needs libjpeg-turbo at build time"});
      continue;
    }
    const torch::Tensor img = read_image(path);                                        // [C,H,W] in [-1,1]
    const torch::Tensor ref = read_npy(fixture(std::string(name) + "_pil.npy")).permute({2, 0, 1});  // 0..255
    ASSERT_EQ(img.sizes(), ref.sizes()) << name;
    const torch::Tensor ours = img.add(1.0).mul(127.5);
    // The same library decodes both; allow a level of difference for another IDCT or upsampling.
    EXPECT_LE((ours - ref).abs().max().item<double>(), 1.01) << name;
    EXPECT_LE((ours - ref).abs().mean().item<double>(), 0.1) << name;
  }
}

TEST(Jpeg, CorruptFilesAreOneLineErrors) {
  const std::string prefix = jpeg_supported() ? "" : "this build reads PNG only";
  const auto check = [&](const char* name, const char* reason) {
    expect_error([&] { read_image(fixture(name)); }, {name, jpeg_supported() ? reason : prefix.c_str()});
  };
  check("photo_truncated.jpg", "Premature end of JPEG file");
  check("photo_bad_huffman.jpg", "Huffman");
  check("photo_cmyk.jpg", "CMYK");
  // The header's size is checked before decoding: 30000x30000 pixels over a 40x48 image's data.
  check("photo_huge_header.jpg", "image of 30000x30000 pixels exceeds the limit of 16777216 pixels");
  if (!jpeg_supported()) return;
  ::setenv("SHORTRUN_MAX_IMAGE_PIXELS", "1000", 1);
  expect_error([&] { read_image(fixture("photo_rgb.jpg")); }, {"image of 48x40 pixels", "SHORTRUN_MAX_IMAGE_PIXELS"});
  ::unsetenv("SHORTRUN_MAX_IMAGE_PIXELS");
  // Every prefix of a valid file and every single-byte corruption of its headers: an image or
  // one clean error, never a crash, an exit() or a message on stderr from libjpeg.
  const std::vector<uint8_t> good = read_regular_file(fixture("photo_rgb.jpg"));
  const std::string dir = test::temp_dir("jpeg"), path = dir + "/cut.jpg";
  int errors = 0;
  for (size_t n = 0; n < good.size(); n += 7) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(good.data()), std::streamsize(n));
    try {
      read_image(path);
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
  for (size_t at = 0; at < std::min<size_t>(good.size(), 700); ++at) {
    std::vector<uint8_t> bad = good;
    bad[at] ^= 0x5A;
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(bad.data()), std::streamsize(bad.size()));
    try {
      const torch::Tensor img = read_image(path);
      EXPECT_EQ(img.dim(), 3);
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST(Png, GridLayout) {
  const torch::Tensor batch = torch::zeros({5, 1, 4, 4});
  const torch::Tensor g = make_grid(batch, 3, 2);
  EXPECT_EQ(g.sizes(), torch::IntArrayRef({1, 2 * 6 + 2, 3 * 6 + 2}));
}

TEST(Conform, ConvertsChannelsAndSize) {
  std::string note;
  const torch::Tensor rgb = torch::zeros({3, 40, 60});
  const torch::Tensor g = conform_image(rgb, 1, 32, 32, &note);
  EXPECT_EQ(g.sizes(), torch::IntArrayRef({1, 32, 32}));
  EXPECT_NE(note.find("RGB -> gray"), std::string::npos);
  EXPECT_NE(note.find("center-cropped"), std::string::npos);
  EXPECT_EQ(conform_image(torch::zeros({1, 32, 32}), 3, 32, 32).size(0), 3);
}

TEST(Conform, Pads28To32LikeTheDataPipeline) {
  // A Fashion-MNIST image read as a file gets exactly the pixels training saw: a 2-pixel border of
  // -1 around the untouched 28x28, not a stretched copy.
  const Dataset d = load_dataset("idx:" + fixture("tiny-images-idx3-ubyte.gz"));
  const torch::Tensor raw = read_idx_images(fixture("tiny-images-idx3-ubyte.gz"))[3].to(torch::kFloat32).div(127.5).sub(1.0);
  std::string note;
  const torch::Tensor x = conform_image(raw.unsqueeze(0), 1, 32, 32, &note);
  EXPECT_EQ(x.sizes(), torch::IntArrayRef({1, 32, 32}));
  EXPECT_TRUE(torch::equal(x, d.images[3]));
  EXPECT_TRUE(torch::equal(x.narrow(1, 2, 28).narrow(2, 2, 28), raw.unsqueeze(0)));
  EXPECT_EQ(x[0][0][0].item<float>(), -1.0f);
  EXPECT_EQ(x[0][31][31].item<float>(), -1.0f);
  EXPECT_EQ(note, "padded 28x28 -> 32x32 with -1 (as the training data)");
  // RGB 30x30 into 1x32x32: gray, then an uneven 1-pixel border.
  const torch::Tensor rgb = torch::rand({3, 30, 30}) * 2 - 1;
  const torch::Tensor g = conform_image(rgb, 1, 32, 32, &note);
  EXPECT_EQ(note, "RGB -> gray; padded 30x30 -> 32x32 with -1 (as the training data)");
  EXPECT_EQ(g[0][0][5].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(g[0][1][1].item<float>(), (0.299 * rgb[0][0][0] + 0.587 * rgb[1][0][0] + 0.114 * rgb[2][0][0]).item<float>());
  // Too small to pad (16x16 would be a stamp in a 32x32 field): resized, and said so.
  conform_image(torch::zeros({1, 16, 16}), 1, 32, 32, &note);
  EXPECT_EQ(note, "resized 16x16 -> 32x32 (bilinear)");
  conform_image(torch::zeros({1, 40, 60}), 1, 32, 32, &note);
  EXPECT_EQ(note, "center-cropped 40x60 to 40x40; resized 40x40 -> 32x32 (bilinear)");
  conform_image(torch::zeros({1, 32, 32}), 1, 32, 32, &note);
  EXPECT_EQ(note, "");
  EXPECT_TRUE(pads_to(28, 28, 32, 32));
  EXPECT_TRUE(pads_to(56, 60, 64, 64));
  EXPECT_FALSE(pads_to(27, 28, 32, 32));
  EXPECT_FALSE(pads_to(33, 32, 32, 32));
  EXPECT_FALSE(pads_to(32, 32, 32, 32));
}

TEST(Idx, GzipAndPlainAgreeWithNumpy) {
  const torch::Tensor a = read_idx_images(fixture("tiny-images-idx3-ubyte.gz"));
  const torch::Tensor b = read_idx_images(fixture("tiny-images-idx3-ubyte"));
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_EQ(a.sizes(), torch::IntArrayRef({12, 28, 28}));
  EXPECT_TRUE(torch::equal(a[0].to(torch::kFloat32), read_npy(fixture("tiny_idx_first.npy"))));
}

TEST(Idx, DatasetIsPaddedWithMinusOne) {
  const Dataset d = load_dataset("idx:" + fixture("tiny-images-idx3-ubyte.gz"));
  EXPECT_EQ(d.images.sizes(), torch::IntArrayRef({12, 1, 32, 32}));
  EXPECT_EQ(d.images[0][0][0][0].item<float>(), -1.0f);
  const torch::Tensor inner = d.images[0][0].narrow(0, 2, 28).narrow(1, 2, 28);
  EXPECT_TRUE(torch::allclose(inner, read_npy(fixture("tiny_idx_first.npy")) / 127.5 - 1.0));
}

TEST(Idx, BadMagicAndMissingPath) {
  expect_error([&] { load_dataset("idx:" + fixture("bad-magic-idx3-ubyte")); }, {"bad-magic-idx3-ubyte", "magic 0x00000803"});
  expect_error([&] { load_dataset("idx:/no/such/file"); }, {"/no/such/file", "no such file"});
  expect_error([&] { load_dataset("mnist-please"); }, {"mnist-please", "fashion-mnist, idx:PATH"});
}

TEST(Cifar, ReadsBatchesAndRejectsWrongSizes) {
  const Dataset d = load_dataset("cifar10:" + fixture("cifar"));
  EXPECT_EQ(d.images.sizes(), torch::IntArrayRef({20, 3, 32, 32}));
  EXPECT_TRUE(torch::allclose(d.images[0], read_npy(fixture("cifar_first.npy")) / 127.5 - 1.0));
  expect_error([&] { load_dataset("cifar10:" + fixture("cifar_bad")); }, {"data_batch_1.bin", "multiple of 3073"});
}

TEST(Folder, SkipsAndCountsUnreadableFiles) {
  const Dataset d = load_dataset("folder:" + fixture("folder"));
  EXPECT_EQ(d.images.sizes(), torch::IntArrayRef({3, 1, 32, 32}));
  EXPECT_EQ(d.skipped, 1);
  expect_error([&] { load_dataset("folder:" + fixture("folder_empty")); }, {"folder_empty", "no readable image"});
}

}  // namespace
}  // namespace shortrun

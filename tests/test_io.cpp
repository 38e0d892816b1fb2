// File formats: NPY, PNG, image conformance, IDX (+gzip), CIFAR-10 batches, image folders.
#include <fstream>

#include "shortrun/datasets.h"
#include "shortrun/file_util.h"
#include "shortrun/image_io.h"
#include "shortrun/npy.h"
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
  expect_error([&] { read_image_or_npy(dir + "/none.npy"); }, {"none.npy", "cannot open"});
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

TEST(Png, NonImageFile) {
  expect_error([&] { read_image(fixture("energy_in.npy")); }, {"energy_in.npy", "expected PNG or JPEG"});
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

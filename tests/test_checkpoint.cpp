// Native checkpoints (.safetensors + model card) round trip, and every way a file can be bad.
#include <fstream>

#include "shortrun/io/file_util.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/model/model_loader.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = test::temp_dir("ckpt");
    torch::manual_seed(3);
    ArchSpec spec;
    spec.nf = 4;
    spec.activation = "silu";
    model = std::make_unique<NativeEnergyModel>(spec);
    model->card().sampler.steps = 33;
    model->card().provenance = {{"note", "unit test"}};
    path = dir + "/m.safetensors";
    save_checkpoint(path, *model, {{"adam/step", torch::tensor(int64_t(7))}});
  }
  void write_bytes(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }
  // A safetensors file with a hand-written header.
  void write_raw(const std::string& p, const std::string& header, size_t data_bytes) {
    std::string s(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(s.data(), &n, 8);
    write_bytes(p, s + header + std::string(data_bytes, '\0'));
  }
  std::string dir, path;
  std::unique_ptr<NativeEnergyModel> model;
};

TEST_F(CheckpointTest, RoundTripKeepsWeightsCardAndTrainState) {
  LoadedCheckpoint loaded = load_checkpoint(path, torch::kCPU);
  const torch::Tensor x = torch::rand({5, 1, 32, 32});
  EXPECT_TRUE(torch::equal(loaded.model->energy(x), model->energy(x)));
  EXPECT_EQ(loaded.model->card().arch->activation, "silu");
  EXPECT_EQ(loaded.model->card().sampler.steps, 33);
  EXPECT_EQ(loaded.model->card().provenance["note"], "unit test");
  ASSERT_EQ(loaded.train_state.size(), 1u);
  EXPECT_EQ(loaded.train_state[0].first, "adam/step");
  // The generic loader dispatches .safetensors to the same path.
  auto generic = load_energy_model(path, torch::kCPU);
  EXPECT_TRUE(torch::equal(generic->energy(x), model->energy(x)));
}

TEST_F(CheckpointTest, SaveReplacesAtomically) {
  save_checkpoint(path, *model);
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << "left a temp file";
}

TEST_F(CheckpointTest, MissingFile) {
  expect_error([&] { load_energy_model(dir + "/nope.safetensors", torch::kCPU); }, {"nope.safetensors", "no such file"});
}

TEST_F(CheckpointTest, TruncatedFile) {
  auto bytes = read_file_bytes(path);
  const std::string cut = dir + "/cut.safetensors";
  write_bytes(cut, std::string(bytes.begin(), bytes.begin() + bytes.size() / 2));
  expect_error([&] { load_checkpoint(cut, torch::kCPU); }, {"cut.safetensors", "past the end"});
  write_bytes(cut, std::string(bytes.begin(), bytes.begin() + 5));
  expect_error([&] { load_checkpoint(cut, torch::kCPU); }, {"cut.safetensors", "header length"});
}

TEST_F(CheckpointTest, RandomBytes) {
  const std::string junk = dir + "/junk.safetensors";
  std::string bytes(4096, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  write_bytes(junk, bytes);
  expect_error([&] { load_energy_model(junk, torch::kCPU); }, {"junk.safetensors", "safetensors"});
}

TEST_F(CheckpointTest, OffsetsPastTheEnd) {
  const std::string p = dir + "/offsets.safetensors";
  write_raw(p, R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,1600]}})", 16);
  expect_error([&] { read_safetensors(p); }, {"offsets.safetensors", "'w'", "past the end"});
}

TEST_F(CheckpointTest, ShapeAndByteRangeDisagree) {
  const std::string p = dir + "/shape.safetensors";
  write_raw(p, R"({"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", 16);
  expect_error([&] { read_safetensors(p); }, {"shape.safetensors", "does not match"});
}

TEST_F(CheckpointTest, UnsupportedDtype) {
  const std::string p = dir + "/dtype.safetensors";
  write_raw(p, R"({"w":{"dtype":"C64","shape":[2],"data_offsets":[0,16]}})", 16);
  expect_error([&] { read_safetensors(p); }, {"dtype.safetensors", "C64", "expected F32"});
}

TEST_F(CheckpointTest, WrongWeightDtype) {
  SafetensorsFile f = read_safetensors(path);
  for (auto& [name, t] : f.tensors)
    if (name == "f.0.weight") t = t.to(torch::kFloat64);
  const std::string p = dir + "/f64.safetensors";
  write_safetensors(p, f.tensors, f.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"f64.safetensors", "f.0.weight", "expected float32"});
}

TEST_F(CheckpointTest, WrongShapeAndMissingMetadata) {
  SafetensorsFile f = read_safetensors(path);
  for (auto& [name, t] : f.tensors)
    if (name == "f.0.bias") t = torch::zeros({5});
  const std::string p = dir + "/shape2.safetensors";
  write_safetensors(p, f.tensors, f.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"shape2.safetensors", "f.0.bias", "expected"});
  write_safetensors(p, f.tensors, {});
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"shape2.safetensors", "metadata"});
}

TEST_F(CheckpointTest, NonFiniteWeights) {
  SafetensorsFile f = read_safetensors(path);
  for (auto& [name, t] : f.tensors)
    if (name == "f.2.weight") t.view(-1)[0] = std::numeric_limits<float>::infinity();
  const std::string p = dir + "/inf.safetensors";
  write_safetensors(p, f.tensors, f.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"inf.safetensors", "NaN or Inf"});
}

TEST_F(CheckpointTest, CorruptModelCard) {
  SafetensorsFile f = read_safetensors(path);
  f.metadata["shortrun"] = R"({"format_version": 99})";
  const std::string p = dir + "/card.safetensors";
  write_safetensors(p, f.tensors, f.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"card.safetensors", "format_version 99"});
  f.metadata["shortrun"] = "{not json";
  write_safetensors(p, f.tensors, f.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"card.safetensors", "JSON"});
}

TEST_F(CheckpointTest, EveryTensorCarriesACrc32AndAFlippedBitIsCaught) {
  SafetensorsFile f = read_safetensors(path);
  for (const auto& [name, t] : f.tensors) EXPECT_EQ(f.metadata.count("crc32/" + name), 1u) << name;
  // One low mantissa bit of one weight (finite, plausible) and one bit of the training state.
  for (const std::string target : {"f.0.weight", "train/adam/step"}) {
    SafetensorsFile g = read_safetensors(path);
    for (auto& [name, t] : g.tensors)
      if (name == target) static_cast<uint8_t*>(t.data_ptr())[0] ^= 1;
    const std::string p = dir + "/flipped.safetensors";
    write_safetensors(p, g.tensors, g.metadata);
    expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"flipped.safetensors", target, "checksum"});
  }
  // A tensor slipped in without a checksum, and a checksum without its tensor.
  SafetensorsFile extra = read_safetensors(path);
  extra.tensors.emplace_back("train/extra", torch::zeros({2}));
  const std::string p = dir + "/altered.safetensors";
  write_safetensors(p, extra.tensors, extra.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"altered.safetensors", "train/extra", "no checksum"});
  SafetensorsFile fewer = read_safetensors(path);
  fewer.metadata["crc32/train/gone"] = "00000000";
  write_safetensors(p, fewer.tensors, fewer.metadata);
  expect_error([&] { load_checkpoint(p, torch::kCPU); }, {"altered.safetensors", "checksums of"});
}

TEST_F(CheckpointTest, ACheckpointWithoutChecksumsLoadsAsBefore) {
  // Files written before checksums existed (the bundled models) carry none.
  SafetensorsFile f = read_safetensors(path);
  for (auto it = f.metadata.begin(); it != f.metadata.end();)
    it = it->first.rfind("crc32/", 0) == 0 ? f.metadata.erase(it) : std::next(it);
  const std::string p = dir + "/old.safetensors";
  write_safetensors(p, f.tensors, f.metadata);
  LoadedCheckpoint loaded = load_checkpoint(p, torch::kCPU);
  const torch::Tensor x = torch::rand({2, 1, 32, 32});
  EXPECT_TRUE(torch::equal(loaded.model->energy(x), model->energy(x)));
}

TEST_F(CheckpointTest, DirectoryInsteadOfFile) {
  expect_error([&] { load_energy_model(dir, torch::kCPU); }, {dir, "directory"});
}

TEST(Arch, ResNetAndSixtyFourPixelNetsHaveTheRightShape) {
  for (const char* kind : {"convnet", "resnet"})
    for (int64_t size : {32, 64}) {
      ArchSpec spec;
      spec.kind = kind;
      spec.image_size = size;
      spec.channels = 3;
      spec.nf = 4;
      NativeEnergyModel m(spec);
      EXPECT_EQ(m.energy(torch::rand({2, 3, size, size})).sizes(), torch::IntArrayRef({2})) << kind << size;
    }
  ArchSpec bad;
  bad.image_size = 48;
  expect_error([&] { bad.validate(); }, {"image_size=48", "expected 32 or 64"});
}

}  // namespace
}  // namespace shortrun

// Provenance and run configurations never hold this machine's absolute paths (issue #11):
// paths are stored relative to the run directory or as assets/NAME, and resolve back.
#include <filesystem>
#include <fstream>

#include "shortrun/io/model_paths.h"
#include "shortrun/io/portable_path.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/model/checkpoint.h"
#include "shortrun/training/trainer.h"
#include "test_util.h"

namespace shortrun {
namespace {
namespace fs = std::filesystem;

// Every string in j that looks like an absolute path (or holds one after a prefix such as "idx:").
void collect_absolute(const nlohmann::json& j, const std::string& where, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) collect_absolute(it.value(), where + "/" + it.key(), out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) collect_absolute(j[i], where + "/" + std::to_string(i), out);
  } else if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s.find(":/") != std::string::npos || (!s.empty() && s[0] == '/') || s.find(" /") != std::string::npos)
      out.push_back(where + " = " + s);
  }
}

TEST(PortablePath, RelativeToTheBaseOrTheAssetsFolder) {
  const std::string dir = test::temp_dir("p");
  fs::create_directories(dir + "/run/sub");
  std::ofstream(dir + "/run/sub/f.bin") << "x";
  std::ofstream(dir + "/data.bin") << "x";
  EXPECT_EQ(portable_path(dir + "/run/sub/f.bin", dir + "/run"), "sub/f.bin");
  EXPECT_EQ(portable_path(dir + "/data.bin", dir + "/run"), "../data.bin");
  EXPECT_EQ(portable_path("", dir), "");
  const std::string asset = find_asset("fmnist_features.safetensors");
  ASSERT_FALSE(asset.empty());
  EXPECT_EQ(portable_path(asset, dir + "/run"), "assets/fmnist_features.safetensors");
  // Back again: relative to the base, assets/ through find_asset, absolute paths of old runs as they are.
  EXPECT_TRUE(fs::equivalent(resolve_portable_path("../data.bin", dir + "/run"), dir + "/data.bin"));
  EXPECT_TRUE(fs::equivalent(resolve_portable_path("assets/fmnist_features.safetensors", dir + "/run"), asset));
  EXPECT_EQ(resolve_portable_path("/old/abs/path", dir), "/old/abs/path");
  // Data sources: only the path part of those that name a file.
  EXPECT_EQ(portable_data_spec("idx:" + dir + "/data.bin", dir + "/run"), "idx:../data.bin");
  EXPECT_EQ(portable_data_spec("fashion-mnist", dir), "fashion-mnist");
  EXPECT_EQ(portable_data_spec("toy:ring8", dir), "toy:ring8");
  EXPECT_TRUE(fs::equivalent(resolve_data_spec("idx:../data.bin", dir + "/run").substr(4), dir + "/data.bin"));
}

TEST(PortablePath, ARunRecordsNoAbsolutePathAndStillResumes) {
  const std::string dir = test::temp_dir("run");
  TrainerConfig c;
  c.data = "idx:" + fs::absolute(test::fixture("tiny-images-idx3-ubyte.gz")).string();
  c.arch.nf = 4;
  c.sampler.steps = 2;
  c.batch = 4;
  c.iters = 2;
  c.log_every = 1;
  c.eval_every = 1;
  c.eval_n = 8;
  c.eval_features = find_asset("fmnist_features.safetensors");
  ASSERT_FALSE(c.eval_features.empty());
  const Dataset data = load_dataset(c.data);
  {
    Trainer t(c, dir, torch::kCPU);
    t.run(data, nullptr, nullptr);
  }
  std::vector<std::string> absolute;
  std::ifstream in(dir + "/config.json");
  collect_absolute(nlohmann::json::parse(in), "config.json", absolute);
  for (const char* f : {"/model.safetensors", "/checkpoints/latest.safetensors", "/checkpoints/best.safetensors"})
    if (fs::exists(dir + f)) collect_absolute(nlohmann::json::parse(read_safetensors(dir + f).metadata.at("shortrun")), f, absolute);
  EXPECT_TRUE(absolute.empty()) << ::testing::PrintToString(absolute);
  const auto card = nlohmann::json::parse(read_safetensors(dir + "/model.safetensors").metadata.at("shortrun"));
  EXPECT_EQ(card["provenance"]["trainer"]["eval_features"], "assets/fmnist_features.safetensors");
  // The stored paths resolve: the run continues.
  Trainer r = Trainer::resume(dir, torch::kCPU);
  EXPECT_TRUE(fs::equivalent(r.config().data.substr(4), c.data.substr(4)));
  EXPECT_TRUE(fs::equivalent(r.config().eval_features, c.eval_features));
  r.set_iters(3);
  EXPECT_EQ(r.run(load_dataset(r.config().data), nullptr, nullptr), 3);
}

TEST(PortablePath, TheBundledModelsProvenanceHasNoAbsolutePath) {
  for (const char* name : {"fmnist.safetensors", "fmnist_features.safetensors"}) {
    const std::string path = find_asset(name);
    ASSERT_FALSE(path.empty()) << name;
    std::vector<std::string> absolute;
    for (const auto& [key, value] : read_safetensors(path).metadata) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(value);
      } catch (const std::exception&) {
        j = value;
      }
      collect_absolute(j, std::string(name) + ":" + key, absolute);
    }
    EXPECT_TRUE(absolute.empty()) << ::testing::PrintToString(absolute);
  }
}

}  // namespace
}  // namespace shortrun

// Agreement with Debian's PyTorch (fixtures from reference/make_fixtures.py): every
// importable layout gives PyTorch's energies and noise-free Langevin trajectory.
#include <fstream>

#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/npy.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/model/state_dict_import.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;
using test::fixture;

double rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-12);
}

class ReferenceLayouts : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceLayouts, EnergiesMatchPyTorch) {
  auto model = load_energy_model(fixture(GetParam()), torch::kCPU);
  EXPECT_EQ(model->shape().str(), "1x32x32");
  const torch::Tensor e = model->energy(read_npy(fixture("energy_in.npy")));
  EXPECT_LE(rel_error(e.detach(), read_npy(fixture("energy_out.npy"))), 1e-5);
}

TEST_P(ReferenceLayouts, NoiseFreeTrajectoryMatchesPyTorch) {
  auto model = load_energy_model(fixture(GetParam()), torch::kCPU);
  model->set_weights_trainable(false);
  SamplerConfig cfg;
  cfg.steps = 20;
  cfg.step_size = 1.0;
  cfg.noise_std = 0.0;
  const torch::Tensor init = read_image(fixture("init.png")).unsqueeze(0);
  const torch::Tensor x = LangevinSampler(*model, cfg).run(1, init).x;
  EXPECT_LE(rel_error(x, read_npy(fixture("langevin_out.npy"))), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Layouts, ReferenceLayouts,
                         ::testing::Values("minimal.pth", "mixed.pth", "sequential.pth", "scripted.pt"),
                         [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('.'));
                         });

TEST(ReferenceImport, InfersThePapersArchitecture) {
  const ImportedNet net = import_state_dict(read_torch_state_dict(fixture("mixed.pth")), "mixed.pth");
  EXPECT_EQ(net.layout, "mixed-precision");
  EXPECT_EQ(net.arch.nf, 8);
  EXPECT_EQ(net.arch.image_size, 32);
  EXPECT_EQ(net.params.front().first, "f.0.weight");
}

TEST(ReferenceImport, RejectsWhatIsNotAStateDictOfTheNet) {
  expect_error([&] { load_energy_model(fixture("unknown_keys.pth"), torch::kCPU); }, {"unknown_keys.pth", "head.weight"});
  expect_error([&] { load_energy_model(fixture("legacy.pth"), torch::kCPU); }, {"legacy.pth", "re-save"});
  expect_error([&] { load_energy_model(fixture("malicious.pth"), torch::kCPU); }, {"malicious.pth", "refusing"});
  expect_error([&] { load_energy_model(fixture("bad_output.pt"), torch::kCPU); }, {"bad_output.pt", "[N], [N,1] or [N,1,1,1]"});
}

TEST(ReferenceImport, TruncatedArchive) {
  const auto bytes = read_file_bytes(fixture("minimal.pth"));
  const std::string p = test::temp_dir("trunc") + "/cut.pth";
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size() / 2);
  expect_error([&] { load_energy_model(p, torch::kCPU); }, {"cut.pth"});
}

}  // namespace
}  // namespace shortrun

// Agreement with Debian's PyTorch (fixtures from reference/make_fixtures.py): every
// importable layout gives PyTorch's energies and noise-free Langevin trajectory.
#include <fstream>

#include "shortrun/io/file_util.h"
#include "shortrun/io/image_io.h"
#include "shortrun/io/npy.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/model/state_dict_import.h"
#include "shortrun/sampling/langevin_sampler.h"
#include "shortrun/training/contrastive_loss.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;
using test::fixture;

double rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / (b.abs().max().item<double>() + 1e-12);
}

// The learning loss with its energy L2 penalty, and its gradient for every weight, against
// PyTorch's autograd of the same formula (data: the batch's first 3 images, samples: the rest).
TEST(ReferenceLoss, EnergyL2LossAndGradientsMatchPyTorch) {
  auto model = load_energy_model(fixture("minimal.pth"), torch::kCPU);
  const torch::Tensor loss = contrastive_loss(model->energy(read_npy(fixture("energy_in.npy"))), 3, 0.3);
  EXPECT_LE(rel_error(loss.detach().reshape({1}), read_npy(fixture("energy_l2_loss.npy"))), 1e-5);
  loss.backward();
  const auto params = model->parameters();
  ASSERT_GE(params.size(), 2u);
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_LE(rel_error(params[i].grad(), read_npy(fixture("energy_l2_grad_" + std::to_string(i) + ".npy"))), 1e-4) << "weight " << i;
  // α = 0 is the paper's loss: the penalty adds exactly α·(mean f_d² + mean f_s²).
  const torch::Tensor f = torch::tensor({1.0, -2.0, 0.5, 3.0});
  EXPECT_DOUBLE_EQ(contrastive_loss(f, 2, 0.0).item<double>(), (0.5 + 3.0) / 2 - (1.0 - 2.0) / 2);
  EXPECT_NEAR(contrastive_loss(f, 2, 0.5).item<double>(), 2.25 + 0.5 * ((1.0 + 4.0) / 2 + (0.25 + 9.0) / 2), 1e-6);
  test::expect_error([&] { contrastive_loss(f, 4, 0.1); }, {"contrastive_loss"});
}

// Swish (SiLU) in place of LeakyReLU, the same weights: energies, the input gradient the Langevin
// step follows, and the energy-L2 loss's gradient for every weight against PyTorch's autograd.
TEST(ReferenceLoss, SwishEnergyInputAndWeightGradientsMatchPyTorch) {
  const ImportedNet imported = import_state_dict(read_torch_state_dict(fixture("minimal.pth")), "minimal.pth");
  ArchSpec spec = imported.arch;
  spec.activation = "silu";
  NativeEnergyModel model(spec);
  model.load_named_parameters(imported.params, "minimal.pth");
  const torch::Tensor batch = read_npy(fixture("energy_in.npy"));
  const torch::Tensor x = batch.clone().requires_grad_(true);
  const torch::Tensor f = model.energy(x);
  EXPECT_LE(rel_error(f.detach(), read_npy(fixture("silu_energy_out.npy"))), 1e-5);
  const torch::Tensor grad_x = torch::autograd::grad({f.sum()}, {x})[0];
  EXPECT_LE(rel_error(grad_x, read_npy(fixture("silu_grad_x.npy"))), 1e-4);
  // The LeakyReLU net's energies differ: the fixture is not the other activation's.
  EXPECT_GT(rel_error(f.detach(), read_npy(fixture("energy_out.npy"))), 1e-3);
  const torch::Tensor loss = contrastive_loss(model.energy(batch), 3, 0.3);
  EXPECT_LE(rel_error(loss.detach().reshape({1}), read_npy(fixture("silu_l2_loss.npy"))), 1e-5);
  loss.backward();
  const auto params = model.parameters();
  ASSERT_GE(params.size(), 2u);
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_LE(rel_error(params[i].grad(), read_npy(fixture("silu_l2_grad_" + std::to_string(i) + ".npy"))), 1e-4) << "weight " << i;
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

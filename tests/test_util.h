// Helpers shared by the tests: analytic energies, fixture paths, error-message checks.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "shortrun/base/error.h"
#include "shortrun/model/energy_model.h"

namespace shortrun::test {

// f(x) = −‖x − μ‖² / (2σ²): the Langevin target exp(f) is N(μ, σ² I).
class QuadraticEnergy : public EnergyModel {
 public:
  QuadraticEnergy(DataShape shape, double mu, double sigma) : mu_(mu), sigma_(sigma) { card_.shape = shape; }
  torch::Tensor energy(const torch::Tensor& x) override {
    return -(x - mu_).pow(2).flatten(1).sum(1) / (2 * sigma_ * sigma_);
  }
  std::vector<torch::Tensor> parameters() override { return {}; }
  void to(torch::Device d) override { device_ = d; }
  void train(bool) override {}

 private:
  double mu_, sigma_;
};

inline std::string fixture(const std::string& name) { return std::string(SHORTRUN_FIXTURE_DIR) + "/" + name; }

// A fresh temp directory per test.
inline std::string temp_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             ("shortrun_test_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Expects fn() to throw shortrun::Error whose message contains every given fragment.
template <typename Fn>
void expect_error(Fn&& fn, std::initializer_list<std::string> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected shortrun::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const auto& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "message: " << what << "\nmissing: " << f;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "message should be one line: " << what;
  }
}

}  // namespace shortrun::test

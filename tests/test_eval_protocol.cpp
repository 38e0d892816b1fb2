// SHA-256 against the FIPS 180-4 / NIST example digests (one and several blocks, padding edge
// cases, pieces of any size) and eval --check's comparison: metrics read from a result, exact vs
// tolerant agreement, the environment fields that decide which applies.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "shortrun/base/error.h"
#include "shortrun/base/sha256.h"
#include "shortrun/training/eval_protocol.h"

namespace shortrun {
namespace {

TEST(Sha256, MatchesTheStandardsExamples) {
  EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes: padding needs a 2nd block
  EXPECT_EQ(sha256_hex(two.data(), two.size()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million.data(), million.size()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesOfAnySizeGiveTheSameDigest) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += char('a' + i % 26);
  const std::string whole = sha256_hex(text.data(), text.size());
  for (size_t piece : {1, 3, 63, 64, 65, 200}) {
    Sha256 s;
    for (size_t i = 0; i < text.size(); i += piece) s.update(text.data() + i, std::min(piece, text.size() - i));
    EXPECT_EQ(s.hex(), whole) << "piece " << piece;
  }
}

TEST(Sha256, UnreadableFileIsAnErrorNamingIt) {
  try {
    sha256_file("/nonexistent/features.safetensors");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/features.safetensors"), std::string::npos);
  }
}

nlohmann::json result(double fd) {
  return {{"fd", fd},           {"fd_floor_train", 2.0},     {"fd_ceiling_noise", 300.0},       {"fd_relative", 0.5},
          {"energy_data", -1.}, {"energy_samples", -0.5},    {"saturated_fraction", 0.01},      {"saturated_fraction_data", 0.3},
          {"non_finite_samples", 0},
          {"nearest_train_l2", {{"samples_mean", 9.}, {"samples_min", 5.}, {"test_mean", 8.}, {"test_min", 4.}}}};
}

TEST(EvalCheck, ExactComparisonNeedsEqualValues) {
  const auto same = compare_eval_metrics(result(150.0), result(150.0), true);
  ASSERT_EQ(same.size(), 13u);
  for (const auto& c : same) EXPECT_TRUE(c.reproduces) << c.name;
  const auto off = compare_eval_metrics(result(150.0), result(std::nextafter(150.0, 200.0)), true);
  EXPECT_EQ(off[0].name, "fd");
  EXPECT_FALSE(off[0].reproduces);
  EXPECT_TRUE(off[1].reproduces);
}

TEST(EvalCheck, ToleranceIsRelativeToTheRecordedValue) {
  EXPECT_TRUE(compare_eval_metrics(result(150.0), result(150.0 * (1 + 0.9e-3)), false)[0].reproduces);
  EXPECT_FALSE(compare_eval_metrics(result(150.0), result(150.0 * (1 + 1.1e-3)), false)[0].reproduces);
  // Near zero the tolerance is absolute (1e-3).
  EXPECT_TRUE(compare_eval_metrics(result(0.0), result(0.9e-3), false)[0].reproduces);
  EXPECT_FALSE(compare_eval_metrics(result(0.0), result(1.1e-3), false)[0].reproduces);
}

TEST(EvalCheck, MissingOrNonNumericMetricIsRefusedByName) {
  nlohmann::json r = result(1.0);
  r["fd"] = "12";
  EXPECT_THROW(eval_metrics(r), Error);
  r.erase("fd");
  try {
    eval_metrics(r);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fd'"), std::string::npos) << e.what();
  }
  nlohmann::json no_memo = result(1.0);
  no_memo.erase("nearest_train_l2");
  EXPECT_EQ(eval_metrics(no_memo).size(), 9u);
  // A re-run that lacks a recorded metric does not reproduce it.
  EXPECT_FALSE(compare_eval_metrics(result(1.0), no_memo, false).back().reproduces);
}

TEST(EvalCheck, EnvironmentDifferenceNamesWhatDiffers) {
  const nlohmann::json a = {{"threads", 1}, {"device", "cpu"}, {"build", {{"commit", "x"}}}, {"cpu_isa_limit", ""}, {"n", 8}};
  nlohmann::json b = a;
  b["n"] = 16;  // not an environment field
  EXPECT_EQ(environment_difference(a, b), "");
  b["threads"] = 2;
  b["cpu_isa_limit"] = "AVX2";
  EXPECT_EQ(environment_difference(a, b), "threads 1 vs 2, cpu_isa_limit \"\" vs \"AVX2\"");
}

}  // namespace
}  // namespace shortrun

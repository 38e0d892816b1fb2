// Model card JSON (core/src/model/model_card.cpp): round trip, and hostile fields refused naming the
// field, never converted (also run under ASan + UBSan in the fuzz build: shortrun_loader_tests).
#include <gtest/gtest.h>

#include "shortrun/model/model_card.h"
#include "test_util.h"

namespace shortrun {
namespace {
using test::expect_error;

std::string card_with(const std::string& data, const std::string& rest = "") {
  return R"({"format_version": 1, "data": )" + data + rest + "}";
}

TEST(ModelCard, RoundTripsEveryField) {
  ModelCard c;
  c.source = "native";
  c.arch = ArchSpec{};
  c.arch->nf = 8;
  c.shape = DataShape{1, 32, 32};
  c.value_min = 0, c.value_max = 1;
  c.sampler.steps = 7;
  c.sampler.seed = 18446744073709551615ull;
  c.provenance = {{"command", "train"}};
  const nlohmann::json j = c;
  const ModelCard back = parse_model_card(j.dump());
  EXPECT_EQ(nlohmann::json(back), j);
}

TEST(ModelCard, DefaultsWhereOptionalFieldsAreMissing) {
  const ModelCard c = parse_model_card(card_with(R"({"channels": 3, "height": 28, "width": 20})"));
  EXPECT_EQ(c.shape.str(), "3x28x20");
  EXPECT_EQ(c.value_min, -1.0);
  EXPECT_FALSE(c.arch.has_value());
  EXPECT_EQ(c.sampler.steps, SamplerConfig{}.steps);
  // Integral floats are integers (Python's json writes 32.0 for a float).
  EXPECT_EQ(parse_model_card(card_with(R"({"channels": 1.0, "height": 32, "width": 32})")).shape.channels, 1);
}

TEST(ModelCard, RefusesNumbersThatWouldBeCastOutOfRange) {
  // Each of these was a cast with undefined behaviour (double -> int64/uint64) before.
  expect_error([] { parse_model_card(card_with(R"({"channels": 1e300, "height": 32, "width": 32})")); },
               {"channels", "1..65536"});
  expect_error([] { parse_model_card(R"({"format_version": -1e300, "data": {}})"); }, {"format_version"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})",
                                               R"(, "sampler": {"seed": -1.5})")); },
               {"seed"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})",
                                               R"(, "sampler": {"steps": 1e19})")); },
               {"steps", "0..100000"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})",
                                               R"(, "arch": {"nf": 2.5})")); },
               {"nf"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32, "value_range": [1e999, 0]})")); },
               {});
}

TEST(ModelCard, RefusesWrongTypesAndShapes) {
  expect_error([] { parse_model_card("[1, 2]"); }, {"not a JSON object"});
  expect_error([] { parse_model_card("{"); }, {"not valid JSON"});
  expect_error([] { parse_model_card(R"({"format_version": 1})"); }, {"'data'"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32})")); }, {"'width'"});
  expect_error([] { parse_model_card(card_with(R"({"channels": "1", "height": 32, "width": 32})")); }, {"channels"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 4096, "height": 4096, "width": 4096})")); },
               {"4096x4096x4096", "at most"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32, "value_range": 3})")); },
               {"value_range"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32, "value_range": [1, 1]})")); },
               {"value_range", "below"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})", R"(, "source": 5)")); },
               {"source"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})", R"(, "provenance": [])")); },
               {"provenance"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})",
                                               R"(, "sampler": {"clamp": 1})")); },
               {"clamp"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 64, "width": 64})", R"(, "arch": {})")); },
               {"does not match"});
  expect_error([] { parse_model_card(card_with(R"({"channels": 1, "height": 32, "width": 32})",
                                               R"(, "arch": {"leak": -3})")); },
               {"leak"});
}

}  // namespace
}  // namespace shortrun

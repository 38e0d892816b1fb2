// libFuzzer harness: model cards (core/src/model/model_card.cpp), the JSON a checkpoint's metadata and a
// TorchScript archive's model_card.json carry. Only shortrun::Error may escape; a card that is
// accepted must hold what the loaders rely on (bounded shape, finite value range, valid sampler
// and architecture) and survive a round trip through its own JSON unchanged.
#include <cmath>

#include "fuzz_input.h"
#include "shortrun/model/model_card.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shortrun::fuzz::set_fuzz_limits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  shortrun::fuzz::expect_clean([&] {
    const shortrun::ModelCard card = shortrun::parse_model_card(text);
    const shortrun::DataShape& s = card.shape;
    if (s.channels < 1 || s.height < 1 || s.width < 1 || s.numel() > shortrun::DataShape::kMaxNumel) std::abort();
    if (!std::isfinite(card.value_min) || !std::isfinite(card.value_max) || !(card.value_min < card.value_max))
      std::abort();
    // From here on an Error is a finding too: an accepted card must validate and re-read.
    try {
      card.sampler.validate();
      if (card.arch) card.arch->validate();
      const nlohmann::json once = card;
      const nlohmann::json twice = shortrun::parse_model_card(once.dump());
      if (once != twice) {
        std::fprintf(stderr, "fuzz: model card changed on a round trip:\n%s\n%s\n", once.dump().c_str(),
                     twice.dump().c_str());
        std::abort();
      }
    } catch (const shortrun::Error& e) {
      std::fprintf(stderr, "fuzz: an accepted model card does not hold: %s\n", e.what());
      std::abort();
    }
  });
  return 0;
}

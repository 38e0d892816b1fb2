// The Table 1 figure of `shortrun compare-models --png`: one row per model with a few samples, the
// reconstruction and the masked reconstruction of the same test image, and its numbers (FD,
// reconstruction MSE, masked MSE, seconds per sample); above the rows, that test image and what the
// mask leaves of it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "model_comparison.h"

namespace shortrun::cli {

// rows: compare_one_model's JSON rows; images: the same models' ComparisonImages; test [C,H,W] and
// mask [1,1,H,W] (1 = observed) in [-1,1] / {0,1}. Written atomically.
void write_comparison_figure(const std::string& path, const nlohmann::json& rows, const std::vector<ComparisonImages>& images,
                             const torch::Tensor& test, const torch::Tensor& mask);

}  // namespace shortrun::cli

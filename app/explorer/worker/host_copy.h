// Tensors to and from the plain host vectors the UI draws from (snapshots.h): NCHW images as NHWC
// floats, statistics as flat floats. Torch side only (the worker library).
#pragma once
#include <vector>

#include <torch/torch.h>

#include "worker/snapshots.h"

namespace shortrun::explorer {

// [N,C,H,W] on any device -> host NHWC float32.
std::vector<float> host_nhwc(const torch::Tensor& nchw);
// Any tensor -> its values flattened, as host float32.
std::vector<float> host_floats(const torch::Tensor& t);
// Host NHWC floats of `shape` -> a [N,C,H,W] CPU tensor (a copy).
torch::Tensor from_host_nhwc(const std::vector<float>& v, const ImageShape& shape);

}  // namespace shortrun::explorer

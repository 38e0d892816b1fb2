// host_copy.h: the copies between torch tensors and the UI's host vectors.
#include "worker/host_copy.h"

namespace shortrun::explorer {

std::vector<float> host_nhwc(const torch::Tensor& nchw) {
  const torch::Tensor t = nchw.detach().permute({0, 2, 3, 1}).contiguous().to(torch::kCPU, torch::kFloat32);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

std::vector<float> host_floats(const torch::Tensor& v) {
  const torch::Tensor t = v.detach().reshape({-1}).contiguous().to(torch::kCPU, torch::kFloat32);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

torch::Tensor from_host_nhwc(const std::vector<float>& v, const ImageShape& s) {
  return torch::from_blob(const_cast<float*>(v.data()), {s.n, s.h, s.w, s.c}, torch::kFloat32).permute({0, 3, 1, 2}).contiguous();
}

}  // namespace shortrun::explorer

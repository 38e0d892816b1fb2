// The short-run learning loss with its energy L2 penalty (see contrastive_loss.h).
#include "shortrun/training/contrastive_loss.h"

#include "shortrun/base/error.h"

namespace shortrun {

torch::Tensor contrastive_loss(const torch::Tensor& f, int64_t n_data, double alpha) {
  if (f.dim() != 1 || n_data < 1 || n_data >= f.size(0)) throw Error("contrastive_loss: expected [data; samples] energies");
  const torch::Tensor f_data = f.narrow(0, 0, n_data), f_samp = f.narrow(0, n_data, f.size(0) - n_data);
  torch::Tensor loss = f_samp.mean() - f_data.mean();
  if (alpha > 0) loss = loss + alpha * (f_data.pow(2).mean() + f_samp.pow(2).mean());
  return loss;
}

}  // namespace shortrun

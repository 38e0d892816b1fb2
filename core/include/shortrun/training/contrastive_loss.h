// The learning loss of short-run MCMC maximum likelihood, shared by the image and 2-D trainers:
// mean f(samples) − mean f(data) (its gradient is the log-likelihood's, up to sign), plus the
// optional energy magnitude penalty α·(mean f(data)² + mean f(samples)²) that keeps f from
// drifting (IGEBM's and JEM's regulariser).
#pragma once
#include <torch/torch.h>

namespace shortrun {

// f: energies [2N] of the data (first n_data) then the samples; alpha >= 0. A scalar with grad.
torch::Tensor contrastive_loss(const torch::Tensor& f, int64_t n_data, double alpha);

}  // namespace shortrun

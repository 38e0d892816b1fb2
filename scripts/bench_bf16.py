#!/usr/bin/python3
"""What bf16 would buy for training here: the time of one Langevin step (f(x) and its gradient
w.r.t. x, batch 64, the paper's ConvNet) in float32 and under bfloat16 autocast, for n_f = 16 and
32. Debian's PyTorch and LibTorch use the same system oneDNN (libdnnl.so.2), so the ratio is the
one `shortrun train` would see. Fast bf16 needs AVX512-BF16 or AMX; without them oneDNN falls back
to slow reference kernels.

usage: scripts/bench_bf16.py [--threads N] [--reps R]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def convnet(nf):
    act = nn.LeakyReLU(0.2)
    return nn.Sequential(nn.Conv2d(1, nf, 3, 1, 1), act, nn.Conv2d(nf, nf * 2, 4, 2, 1), act,
                         nn.Conv2d(nf * 2, nf * 4, 4, 2, 1), act, nn.Conv2d(nf * 4, nf * 8, 4, 2, 1), act,
                         nn.Conv2d(nf * 8, 1, 4, 1, 0))


def step_ms(net, x, bf16, reps):
    def one():
        xx = x.clone().requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            e = net(xx).sum()
        torch.autograd.grad(e, [xx])
    one()
    t0 = time.perf_counter()
    for _ in range(reps):
        one()
    return (time.perf_counter() - t0) / reps * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--reps", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    flags = open("/proc/cpuinfo").read().split()
    cpu = {"avx512_bf16": "avx512_bf16" in flags, "amx_bf16": "amx_bf16" in flags}
    x = torch.rand(64, 1, 32, 32) * 2 - 1
    for nf in (16, 32):
        net = convnet(nf)
        for p in net.parameters():
            p.requires_grad_(False)
        fp32, bf16 = step_ms(net, x, False, a.reps), step_ms(net, x, True, a.reps)
        print(json.dumps({"nf": nf, "threads": a.threads, "fp32_ms": round(fp32, 2), "bf16_ms": round(bf16, 2),
                          "bf16_speedup": round(fp32 / bf16, 3), "cpu": cpu, "torch": torch.__version__}))


if __name__ == "__main__":
    main()

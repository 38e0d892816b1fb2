"""TorchScript modules for test_trust.py, made at test time with Debian's torch 1.13: hostile
ones (each doing one thing a model file must not do) and honest energy / feature nets."""
import json
import os

import torch
import torch.nn as nn
from typing import List, Tuple


class Conv(nn.Module):
    """A small honest energy net: what the allowlist must keep accepting."""

    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 16, 4, 2, 1),
                               nn.BatchNorm2d(16), nn.SiLU(), nn.Conv2d(16, 16, 4, 2, 1), nn.GroupNorm(4, 16),
                               nn.ELU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 1))

    def forward(self, x):
        return self.f(x).squeeze(1)


class Base(nn.Module):
    def __init__(self, marker: str):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1, 1, 3, 3))
        self.path = marker  # where a hostile module writes (TorchScript cannot close over it)

    def energy(self, x):
        return torch.conv2d(x, self.w, padding=1).sum((1, 2, 3))


def make_hostile():
    class WritesFile(Base):
        def forward(self, x):
            t = torch.from_file(self.path, True, 64, dtype=torch.uint8).fill_(65)
            return self.energy(x) + t[0].float()

    class Loops(Base):
        def forward(self, x):
            while True:
                x = x * 1.0
            return self.energy(x)

    class Huge(Base):
        def forward(self, x):
            z = torch.zeros(1 << 40)
            return self.energy(x) + z[0]

    class Prints(Base):
        def forward(self, x):
            print("hello from a model file")
            return self.energy(x)

    class Saves(Base):
        def forward(self, x):
            torch.save(x, self.path)
            return self.energy(x)

    class Random(Base):
        def forward(self, x):
            return self.energy(x + torch.randn_like(x))

    class CustomOp(Base):
        def forward(self, x):
            return self.energy(torch.ops._test.leaky_relu(x, 0.5))

    class Forks(Base):
        def forward(self, x):
            fut = torch.jit.fork(torch.relu, x)
            return self.energy(torch.jit.wait(fut))

    class GrowsList(Base):
        def forward(self, x):
            big: List[int] = [0] * (1 << 40)
            return self.energy(x) + len(big)

    class Helper(nn.Module):
        """The offending op sits in a submodule's method nobody calls, inside an if."""

        def __init__(self, marker: str):
            super().__init__()
            self.path = marker

        @torch.jit.export
        def helper(self, x: torch.Tensor) -> torch.Tensor:
            if bool(x.sum() > 0):
                return torch.from_file(self.path, True, 8, dtype=torch.uint8).float()
            return x

        def forward(self, x):
            return x

    class HiddenInSubmodule(Base):
        def __init__(self, marker: str):
            super().__init__(marker)
            self.sub = Helper(marker)

        def forward(self, x):
            return self.energy(self.sub(x))

    class SetState(Base):
        """Loading alone runs __setstate__."""

        def forward(self, x):
            return self.energy(x)

        @torch.jit.export
        def __getstate__(self) -> Tuple[torch.Tensor, bool]:
            return (self.w, self.training)

        @torch.jit.export
        def __setstate__(self, state: Tuple[torch.Tensor, bool]) -> None:
            t = torch.from_file(self.path, True, 8, dtype=torch.uint8).fill_(65)
            self.w = state[0] + t[:1].float() * 0
            self.training = state[1]

    # Issue 22: modules that change themselves or their caller's tensor, or do unbounded work
    # inside the loop bound.
    class WritesWeight(Base):
        def forward(self, x):
            self.w.add_(1.0)  # every call changes the weights: results depend on --chunk
            return self.energy(x)

    class WritesInput(Base):
        def forward(self, x):
            x.mul_(2.0)  # the sampler's chain state
            return self.energy(x)

    class RunningStats(Base):
        def __init__(self, marker: str):
            super().__init__(marker)
            self.register_buffer("mean", torch.zeros(1))
            self.register_buffer("var", torch.ones(1))

        def forward(self, x):
            h = torch.batch_norm(x, None, None, self.mean, self.var, True, 0.5, 1e-5, False)
            return self.energy(h)

    class ConvLoop(Base):
        def forward(self, x):
            for _ in range(300):  # within every loop bound, but 300 convolutions per call
                x = torch.conv2d(x, self.w, padding=1)
            return self.energy(x)

    class OpLoop(Base):
        def forward(self, x):
            for _ in range(40000):
                x = x * 1.0 + 0.0
            return self.energy(x)

    return {
        "writes_weight.pt": (WritesWeight, "aten::add_ writing into a weight"),
        "writes_input.pt": (WritesInput, "aten::mul_ writing into a weight, buffer, constant or input"),
        "running_stats.pt": (RunningStats, "aten::batch_norm that may update its running statistics"),
        "conv_loop.pt": (ConvLoop, "convolutions or matrix products"),
        "op_loop.pt": (OpLoop, "operator runs"),
        "writes_file.pt": (WritesFile, "aten::from_file"),
        "loops.pt": (Loops, "prim::Loop"),
        "huge.pt": (Huge, "aten::zeros"),
        "prints.pt": (Prints, "prim::Print"),
        "saves.pt": (Saves, "aten::save"),
        "random.pt": (Random, "aten::randn_like"),
        "custom_op.pt": (CustomOp, "_test::leaky_relu"),
        "forks.pt": (Forks, "prim::fork"),
        "grows_list.pt": (GrowsList, "aten::mul"),
        "hidden.pt": (HiddenInSubmodule, "aten::from_file"),
        "setstate.pt": (SetState, "__setstate__"),
    }


def main(out, marker, trusted_marker):
    """Writes every module into `out`; returns {file: operator the refusal must name}. The
    hostile modules write to `marker`; trusted_writes_file.pt (for --trust-code) to trusted_marker."""
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    expected = {}
    hostile = make_hostile()
    for name, (cls, op) in hostile.items():
        torch.jit.save(torch.jit.script(cls(marker)), os.path.join(out, name))
        expected[name] = op
    torch.jit.save(torch.jit.script(hostile["writes_file.pt"][0](trusted_marker)),
                   os.path.join(out, "trusted_writes_file.pt"))
    net = Conv().eval()
    scripted = torch.jit.script(net)
    torch.jit.save(scripted, os.path.join(out, "good.pt"))
    card = {"format_version": 1, "source": "torchscript",
            "data": {"channels": 1, "height": 32, "width": 32, "value_range": [-1, 1]},
            "sampler": {"steps": 7, "step_size": 0.5, "noise_std": 0.01}}
    torch.jit.save(scripted, os.path.join(out, "good_card.pt"), _extra_files={"model_card.json": json.dumps(card)})

    class Feat(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 4, 3, padding=1)
            self.fc = nn.Linear(4 * 16 * 16, 8)

        def forward(self, x):
            return torch.relu(self.fc(torch.max_pool2d(torch.relu(self.c(x)), 2).flatten(1)))

    torch.jit.save(torch.jit.script(Feat()), os.path.join(out, "good_features.pt"))
    return expected

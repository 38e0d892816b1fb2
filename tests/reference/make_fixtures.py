#!/usr/bin/python3
"""Independent reference for the C++ tests: builds the paper's ConvNet in Debian's PyTorch,
saves it in every importable layout (+ TorchScript + broken variants), and records PyTorch's
own energies and noise-free Langevin trajectories for the C++ side to match.

usage: make_fixtures.py OUT_DIR
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jpeg_fixtures import write_jpeg_fixtures  # noqa: E402
from baseline_fixtures import write_baseline_fixtures  # noqa: E402

NF = 8        # small net: fast, still the paper's topology
STEPS = 20
STEP_SIZE = 1.0


class F(nn.Module):
    """The minimal script's energy net (keys f.0.weight ... f.8.bias)."""

    def __init__(self, n_c=1, n_f=NF, leak=0.2):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(n_c, n_f, 3, 1, 1), nn.LeakyReLU(leak),
            nn.Conv2d(n_f, n_f * 2, 4, 2, 1), nn.LeakyReLU(leak),
            nn.Conv2d(n_f * 2, n_f * 4, 4, 2, 1), nn.LeakyReLU(leak),
            nn.Conv2d(n_f * 4, n_f * 8, 4, 2, 1), nn.LeakyReLU(leak),
            nn.Conv2d(n_f * 8, 1, 4, 1, 0))

    def forward(self, x):
        return self.f(x).squeeze()


class FMixed(nn.Module):
    """The mixed-precision script's layout (conv0 ... conv4)."""

    def __init__(self, n_c=1, n_f=NF):
        super().__init__()
        self.conv0 = nn.Conv2d(n_c, n_f, 3, 1, 1)
        self.conv1 = nn.Conv2d(n_f, n_f * 2, 4, 2, 1)
        self.conv2 = nn.Conv2d(n_f * 2, n_f * 4, 4, 2, 1)
        self.conv3 = nn.Conv2d(n_f * 4, n_f * 8, 4, 2, 1)
        self.conv4 = nn.Conv2d(n_f * 8, 1, 4, 1, 0)

    def forward(self, x):
        a = nn.functional.leaky_relu
        x = a(self.conv0(x), 0.2)
        x = a(self.conv1(x), 0.2)
        x = a(self.conv2(x), 0.2)
        x = a(self.conv3(x), 0.2)
        return self.conv4(x).view(-1)


class BadOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, 1, 1)

    def forward(self, x):
        return self.conv(x).mean(dim=(2, 3))  # [N, 2]: not an energy per image


def langevin_noise_free(f, x, steps, step_size):
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        g = torch.autograd.grad(f(x).sum(), [x])[0]
        x = x + step_size * g
    return x.detach()


def write_png_gray(path, img):
    """img: [32,32] uint8. A tiny PNG writer (zlib + crc) so the fixture needs no PIL."""
    import struct
    import zlib
    h, w = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path, "wb") as fh:
        fh.write(png)


RECON = dict(steps=5, step_size=0.5, noise=0.01, iters=5, lr=0.05)


def write_reconstruction_reference(out, sd, x0):
    """A few Adam iterations on z through the unrolled chain, with full double backward
    (create_graph=True) — the ground truth for the C++ reconstruction, LeakyReLU and SiLU."""
    g = torch.Generator().manual_seed(5)
    k, n = RECON["steps"], 2
    z0 = torch.rand(n, 1, 32, 32, generator=g) * 2 - 1
    u = torch.randn(k, n, 1, 32, 32, generator=g)
    obs = torch.cat([x0, torch.rand(1, 1, 32, 32, generator=g) * 2 - 1])
    mask = torch.ones(1, 1, 32, 32)
    mask[..., 8:24, 8:24] = 0
    w = mask.expand_as(obs) / mask.sum()
    for name, arr in [("z0", z0), ("u", u), ("obs", obs), ("mask", mask)]:
        np.save(os.path.join(out, f"recon_{name}.npy"), arr.numpy())
    for act in ["lrelu", "silu"]:
        net = F()
        if act == "silu":
            net.f = nn.Sequential(*[nn.SiLU() if isinstance(m, nn.LeakyReLU) else m for m in net.f])
        net.load_state_dict(sd)
        for p in net.parameters():
            p.requires_grad_(False)
        z = z0.clone().requires_grad_(True)
        opt = torch.optim.Adam([z], lr=RECON["lr"])
        for _ in range(RECON["iters"]):
            x = z
            for step in range(k):
                grad = torch.autograd.grad(net(x).sum(), [x], create_graph=True)[0]
                x = x + RECON["step_size"] * grad + RECON["noise"] * u[step]
            loss = (w * (x - obs) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                z.clamp_(-1, 1)
        np.save(os.path.join(out, f"recon_z_{act}.npy"), z.detach().numpy())


def write_swish_reference(out, sd, batch):
    """The swish (SiLU) net's energies, input gradient (the Langevin drift) and the energy-L2
    learning loss's gradient for every weight: the ground truth for activation 'silu'."""
    net = F()
    net.f = nn.Sequential(*[nn.SiLU() if isinstance(m, nn.LeakyReLU) else m for m in net.f])
    net.load_state_dict(sd)
    x = batch.clone().requires_grad_(True)
    f = net(x).reshape(-1)
    np.save(os.path.join(out, "silu_energy_out.npy"), f.detach().numpy())
    np.save(os.path.join(out, "silu_grad_x.npy"), torch.autograd.grad(f.sum(), [x])[0].numpy())
    f = net(batch).reshape(-1)
    alpha = 0.3
    loss = f[3:].mean() - f[:3].mean() + alpha * (f[:3].pow(2).mean() + f[3:].pow(2).mean())
    loss.backward()
    np.save(os.path.join(out, "silu_l2_loss.npy"), loss.detach().reshape(1).numpy())
    for i, p in enumerate(net.parameters()):
        np.save(os.path.join(out, f"silu_l2_grad_{i}.npy"), p.grad.numpy())


def write_data_fixtures(out, write_png_gray):
    """Small dataset files for the loaders: IDX (+gzip), CIFAR-10 batches, an image folder."""
    import gzip
    import struct
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
    idx = struct.pack(">IIII", 0x803, 12, 28, 28) + imgs.tobytes()
    with gzip.open(os.path.join(out, "tiny-images-idx3-ubyte.gz"), "wb") as fh:
        fh.write(idx)
    with open(os.path.join(out, "tiny-images-idx3-ubyte"), "wb") as fh:
        fh.write(idx)
    np.save(os.path.join(out, "tiny_idx_first.npy"), imgs[0].astype(np.float32))
    with open(os.path.join(out, "bad-magic-idx3-ubyte"), "wb") as fh:
        fh.write(struct.pack(">IIII", 0x801, 12, 28, 28) + imgs.tobytes())
    cifar = os.path.join(out, "cifar")
    os.makedirs(cifar, exist_ok=True)
    rec = rng.integers(0, 256, size=(20, 3073), dtype=np.uint8)
    rec[:, 0] = 3
    for name in ["data_batch_1.bin", "test_batch.bin"]:
        rec.tofile(os.path.join(cifar, name))
    np.save(os.path.join(out, "cifar_first.npy"), rec[0, 1:].reshape(3, 32, 32).astype(np.float32))
    bad_cifar = os.path.join(out, "cifar_bad")
    os.makedirs(bad_cifar, exist_ok=True)
    rec[:, :-5].tofile(os.path.join(bad_cifar, "data_batch_1.bin"))
    folder = os.path.join(out, "folder")
    os.makedirs(folder, exist_ok=True)
    for i in range(3):
        write_png_gray(os.path.join(folder, f"img{i}.png"), imgs[i][:, :24].copy())
    with open(os.path.join(folder, "notes.txt"), "w") as fh:
        fh.write("not an image\n")
    empty = os.path.join(out, "folder_empty")
    os.makedirs(empty, exist_ok=True)
    with open(os.path.join(empty, "readme.txt"), "w") as fh:
        fh.write("no images here\n")


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    net = F()
    # Scale the weights up so 20 noise-free steps move the image visibly.
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)
    sd = net.state_dict()
    torch.save(sd, os.path.join(out, "minimal.pth"))
    mixed = FMixed()
    mixed.load_state_dict({f"conv{i // 2}.{k.split('.')[-1]}": v for k, v in
                           ((k[2:], v) for k, v in sd.items()) for i in [int(k.split('.')[0])]})
    torch.save(mixed.state_dict(), os.path.join(out, "mixed.pth"))
    torch.save(net.f.state_dict(), os.path.join(out, "sequential.pth"))
    torch.jit.save(torch.jit.script(net), os.path.join(out, "scripted.pt"))
    torch.jit.save(torch.jit.script(BadOutput()), os.path.join(out, "bad_output.pt"))
    bad = dict(sd)
    bad["head.weight"] = torch.zeros(3)
    torch.save(bad, os.path.join(out, "unknown_keys.pth"))
    torch.save(sd, os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)
    # A file that runs code when unpickled by an unrestricted loader must be refused.
    torch.save({"f.0.weight": sd["f.0.weight"], "evil": os.system}, os.path.join(out, "malicious.pth"))

    # Init image: a smooth blob, quantised to 8 bits exactly as the PNG stores it.
    yy, xx = np.mgrid[0:32, 0:32]
    blob = np.exp(-((yy - 14) ** 2 + (xx - 18) ** 2) / 60.0)
    img_u8 = np.round(blob * 200 + 20).astype(np.uint8)
    write_png_gray(os.path.join(out, "init.png"), img_u8)
    write_png_gray(os.path.join(out, "mask_black.png"), np.zeros((32, 32), np.uint8))
    x0 = torch.from_numpy(img_u8.astype(np.float32) / 127.5 - 1.0).view(1, 1, 32, 32)
    np.save(os.path.join(out, "init.npy"), x0.numpy())
    np.save(os.path.join(out, "wrong_size.npy"), np.zeros((1, 1, 28, 28), np.float32))

    # Energies on a batch, and the noise-free trajectory end point, computed by PyTorch.
    g = torch.Generator().manual_seed(1)
    batch = torch.rand(8, 1, 32, 32, generator=g) * 2 - 1
    np.save(os.path.join(out, "energy_in.npy"), batch.numpy())
    with torch.no_grad():
        np.save(os.path.join(out, "energy_out.npy"), net(batch).numpy())
    # The learning loss with the energy L2 penalty (core's contrastive_loss): its value and the
    # gradient of every weight, data = the batch's first 3 images, samples = the other 5.
    net.zero_grad()
    f = net(batch).reshape(-1)
    alpha = 0.3
    loss = f[3:].mean() - f[:3].mean() + alpha * (f[:3].pow(2).mean() + f[3:].pow(2).mean())
    loss.backward()
    np.save(os.path.join(out, "energy_l2_loss.npy"), loss.detach().reshape(1).numpy())
    for i, p in enumerate(net.parameters()):
        np.save(os.path.join(out, f"energy_l2_grad_{i}.npy"), p.grad.numpy())
    net.zero_grad()
    xk = langevin_noise_free(net, x0, STEPS, STEP_SIZE)
    np.save(os.path.join(out, "langevin_out.npy"), xk.numpy())
    write_data_fixtures(out, write_png_gray)
    write_reconstruction_reference(out, sd, x0)
    write_swish_reference(out, sd, batch)
    write_jpeg_fixtures(out)
    write_baseline_fixtures(out)
    print(f"fixtures in {out}; |x_K - x_0| = {float((xk - x0).abs().max()):.4f}")


if __name__ == "__main__":
    main(sys.argv[1])

"""Reference fixtures for the VAE and GAN baselines (issue 26): tiny nets built as core's
baselines build them (DCGAN generator, DCGAN discriminator stack as encoder/discriminator), their
weights as .npy per parameter, inputs, and PyTorch's losses and weight gradients."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT, NF, SIGMA = 3, 2, 0.2


class Generator(nn.Module):
    """z [N,L] -> [N,1,32,32], keys net.0.weight ... (core's DcganGenerator at 32x32)."""

    def __init__(self, latent=LATENT, nf=NF, channels=1):
        super().__init__()
        w = nf * 4
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent, w, 4, 1, 0, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
            nn.ConvTranspose2d(w, w // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(w // 2), nn.ReLU(),
            nn.ConvTranspose2d(w // 2, w // 4, 4, 2, 1, bias=False), nn.BatchNorm2d(w // 4), nn.ReLU(),
            nn.ConvTranspose2d(w // 4, channels, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.net(z.view(z.size(0), -1, 1, 1))


class Encoder(nn.Module):
    """x [N,1,32,32] -> [N,out] (core's ConvEncoder at 32x32)."""

    def __init__(self, out, nf=NF, channels=1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, nf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(nf, nf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(nf * 2), nn.LeakyReLU(0.2),
            nn.Conv2d(nf * 2, nf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(nf * 4), nn.LeakyReLU(0.2),
            nn.Conv2d(nf * 4, out, 4, 1, 0, bias=True))

    def forward(self, x):
        return self.net(x).flatten(1)


def _save_params(out, prefix, module):
    for name, p in module.named_parameters():
        np.save(os.path.join(out, f"{prefix}{name}.npy"), p.detach().numpy())


def _save_grads(out, prefix, module):
    for name, p in module.named_parameters():
        np.save(os.path.join(out, f"{prefix}grad.{name}.npy"), p.grad.numpy())


def _perturb_norms(module, g):
    # BatchNorm's scale and shift away from 1 and 0, so that their gradients are tested too.
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))


def write_baseline_fixtures(out):
    torch.manual_seed(26)
    g = torch.Generator().manual_seed(26)
    x = torch.rand(4, 1, 32, 32, generator=g) * 2 - 1
    eps = torch.randn(4, LATENT, generator=g)
    np.save(os.path.join(out, "baseline_x.npy"), x.numpy())
    np.save(os.path.join(out, "baseline_eps.npy"), eps.numpy())

    # VAE: -ELBO with the Gaussian likelihood N(decoder(z), SIGMA^2 I), z = mu + exp(logvar/2) eps.
    enc, dec = Encoder(2 * LATENT), Generator()
    _perturb_norms(enc, g)
    _perturb_norms(dec, g)
    _save_params(out, "vae_encoder.", enc)
    _save_params(out, "vae_generator.", dec)
    h = enc(x)
    mu, logvar = h[:, :LATENT], h[:, LATENT:]
    x_hat = dec(mu + torch.exp(0.5 * logvar) * eps)
    d = x[0].numel()
    recon = 0.5 * ((x - x_hat) ** 2).flatten(1).sum(1).mean() / SIGMA ** 2 + d * math.log(SIGMA) + 0.5 * d * math.log(2 * math.pi)
    kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(1).mean()
    loss = recon + kl
    loss.backward()
    np.save(os.path.join(out, "vae_losses.npy"), torch.stack([loss, recon, kl]).detach().numpy())
    _save_grads(out, "vae_encoder.", enc)
    _save_grads(out, "vae_generator.", dec)

    # GAN: BCE losses on logits; the discriminator's on real and detached fake, the generator's
    # non-saturating one through the same discriminator.
    gen, disc = Generator(), Encoder(1)
    _perturb_norms(gen, g)
    _perturb_norms(disc, g)
    _save_params(out, "gan_generator.", gen)
    _save_params(out, "gan_discriminator.", disc)
    fake = gen(eps)
    l_real, l_fake_d = disc(x).view(-1), disc(fake.detach()).view(-1)
    d_loss = F.binary_cross_entropy_with_logits(l_real, torch.ones_like(l_real)) + \
        F.binary_cross_entropy_with_logits(l_fake_d, torch.zeros_like(l_fake_d))
    d_loss.backward()
    _save_grads(out, "gan_discriminator.", disc)
    disc.zero_grad()
    l_fake = disc(fake).view(-1)
    g_loss = F.binary_cross_entropy_with_logits(l_fake, torch.ones_like(l_fake))
    g_loss.backward()
    _save_grads(out, "gan_generator.", gen)
    np.save(os.path.join(out, "gan_losses.npy"), torch.stack([d_loss, g_loss]).detach().numpy())

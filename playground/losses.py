"""GAN losses on raw discriminator outputs (never a Sigmoid followed by BCELoss), shared by the training
recipes and the Lab's live 2-D GAN: the non-saturating loss, least squares (LSGAN), Wasserstein with a
gradient penalty (WGAN-GP), and InfoGAN's information terms."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """BCE with logits: real → `real_target` (1, or 0.9 for one-sided label smoothing), fake → 0."""
    return F.binary_cross_entropy_with_logits(
        real_logits, torch.full_like(real_logits, real_target)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: -log D(G(z)), strong gradients early in training."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def lsgan_loss(prediction: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN (Mao et al.): the mean squared distance of D's outputs to 1 (real) or 0 (fake)."""
    return F.mse_loss(prediction, torch.full_like(prediction, 1.0 if real else 0.0))


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN's critic: push real scores up and fake ones down (add gradient_penalty for WGAN-GP)."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator
) -> torch.Tensor:
    """Gulrajani et al.'s penalty: (‖∇ critic(x̂)‖ − 1)² at random points x̂ between real and fake samples."""
    eps = torch.rand(len(real), *([1] * (real.dim() - 1)), generator=rng, device=real.device)
    mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def info_loss(
    category_logits: torch.Tensor,
    continuous_pred: torch.Tensor,
    category: torch.Tensor,
    continuous: torch.Tensor,
    *,
    continuous_weight: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """InfoGAN's mutual-information lower bound, as losses: cross-entropy for the categorical code and a
    fixed-variance Gaussian (mean squared error) for the continuous codes."""
    cat = F.cross_entropy(category_logits, category)
    cont = F.mse_loss(continuous_pred, continuous)
    return cat, continuous_weight * cont


def mutual_information_loss(category_logits: torch.Tensor) -> torch.Tensor:
    """−I(x; c) estimated on a batch of real images (Krause et al.'s regularised information maximisation):
    mean per-image entropy (wants confident assignments) minus the entropy of the batch's mean assignment
    (wants every category used). Minimising it ties Q's categories to clusters of the real data."""
    p = category_logits.softmax(dim=1)  # (B, K)
    per_image = -(p * category_logits.log_softmax(dim=1)).sum(1).mean()
    marginal = p.mean(0)
    return per_image + (marginal * marginal.clamp_min(1e-8).log()).sum()


def consistency_loss(logits: torch.Tensor, warped_logits: torch.Tensor) -> torch.Tensor:
    """KL(p(c|x) ‖ p(c|T(x))) with p(c|x) held fixed: a warped image should keep its category."""
    target = logits.detach().softmax(dim=1)
    return F.kl_div(warped_logits.log_softmax(dim=1), target, reduction="batchmean")

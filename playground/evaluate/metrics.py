"""The statistics behind the evaluation: FID, precision/recall, class spread, category purity, and the
autoencoders' reconstruction, denoising and latent-clustering figures."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import linalg
from scipy.optimize import linear_sum_assignment


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FID between two (N, D) feature sets: |μa-μb|² + Tr(Σa) + Tr(Σb) - 2 Tr((Σa Σb)^½).

    Tr((Σa Σb)^½) = Σ √λ of the symmetric PSD matrix Σa^½ Σb Σa^½, which stays real and stable even for
    the singular covariances of a collapsed generator (no complex sqrtm round-off to clean up)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    eigval, eigvec = linalg.eigh(cov_a)
    sqrt_a = (eigvec * np.sqrt(eigval.clip(min=0))) @ eigvec.T
    tr_covmean = np.sqrt(linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a).clip(min=0)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_covmean)


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 5) -> tuple[float, float]:
    """Improved precision/recall: the share of fakes inside the real k-NN manifold, and vice versa."""

    def radii(x: torch.Tensor) -> torch.Tensor:
        d = torch.cdist(x, x)
        return d.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0

    def coverage(points: torch.Tensor, support: torch.Tensor, r: torch.Tensor) -> float:
        inside = [(torch.cdist(chunk, support) <= r).any(1) for chunk in points.split(1000)]
        return torch.cat(inside).float().mean().item()

    r_real, r_fake = radii(real), radii(fake)
    return coverage(fake, real, r_real), coverage(real, fake, r_fake)


def class_spread(predicted: np.ndarray, num_classes: int) -> float:
    """Entropy of the judge's predicted-class histogram over log(K): 1 = all classes equally, 0 = one."""
    p = np.bincount(predicted, minlength=num_classes) / len(predicted)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(num_classes))


def category_agreement(categories: np.ndarray, predicted: np.ndarray, k: int) -> tuple[list[int], list[float]]:
    """Per category: the class the judge calls most of its samples, and the share it calls so — what the UI
    names each category by ("Dress (61 %)"), and where no class dominates, calls it unnamed."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (categories, predicted), 1)
    majority = counts.argmax(1)
    shares = counts.max(1) / counts.sum(1).clip(min=1)
    return [int(c) for c in majority], [round(float(x), 4) for x in shares]


def hungarian_purity(categories: np.ndarray, predicted: np.ndarray, k: int) -> tuple[float, list[int]]:
    """Best one-to-one category→class map and the accuracy it gives."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (categories, predicted), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapping = [int(c) for _, c in sorted(zip(rows, cols, strict=True))]
    return float(counts[rows, cols].sum() / len(categories)), mapping


@torch.no_grad()
def autoencoder_metrics(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor | None = None, *,
                        sigma: float = 0.5, clusters: int = 10) -> dict[str, float]:  # fmt: skip
    """On a test split: reconstruction MSE (pixels on [0, 1]); the VAE's ELBO (nats per image, one sample);
    PSNR of σ-noisy inputs and of the model's output from them; k-means (k = clusters) purity of the codes."""
    from scipy.cluster.vq import kmeans2

    from ..models.autoencoders import corrupt, psnr, to_unit, vae_terms
    from ..pipelines.autoencode import cluster_purity

    device = next(model.parameters()).device
    images = images.to(device)
    rng = torch.Generator(device=device).manual_seed(0)
    chunks = images.split(1000)
    recon = torch.cat([model.reconstruct(c) for c in chunks])
    metrics = {"test_mse": F.mse_loss(to_unit(recon), to_unit(images)).item()}
    if model.config.kind == "vae":
        elbo = []
        for c in chunks:
            nll, kl = vae_terms(
                model, c, torch.randn(c.shape[0], model.config.latent_dim, generator=rng, device=device)
            )
            elbo.append(-(nll + kl))
        metrics["test_elbo_nats"] = float(torch.cat(elbo).mean())
    noisy = corrupt(images, sigma, rng)
    metrics[f"psnr_noisy_sigma{sigma:g}"] = psnr(noisy, images)
    metrics[f"psnr_denoised_sigma{sigma:g}"] = psnr(
        torch.cat([model.reconstruct(c) for c in noisy.split(1000)]), images
    )
    if labels is not None:
        codes = torch.cat([model.encode(c) for c in chunks]).double().cpu().numpy()
        _, assignment = kmeans2(codes, clusters, seed=0, minit="++")
        metrics[f"kmeans{clusters}_purity"] = cluster_purity(assignment, labels.numpy())
    return {k: round(v, 4) for k, v in metrics.items()}

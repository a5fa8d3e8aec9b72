from __future__ import annotations

import pytest
import torch

from playground import models
from playground.models.infogan import sample_codes


def generate(family: str, G, n: int, rng: torch.Generator) -> torch.Tensor:
    cfg = G.config
    if family == "cgan":
        return G(torch.randn(n, cfg.latent_dim, generator=rng), torch.arange(n) % cfg.num_classes)
    if family == "infogan":
        return G(*sample_codes(n, cfg, rng, "cpu"))
    return G(torch.randn(n, cfg.latent_dim, generator=rng))


@pytest.mark.parametrize("family", ["gan", "dcgan", "cgan", "infogan"])
@pytest.mark.parametrize(("size", "channels"), [(28, 1), (32, 3), (64, 3)])
def test_generator_and_discriminator_shapes(family, size, channels):
    cfg = models.FAMILIES[family].config(image_size=size, channels=channels)
    G = models.build(family, "generator", cfg).eval()
    D = models.build(family, "discriminator", cfg)
    images = generate(family, G, 3, torch.Generator().manual_seed(0))
    assert images.shape == (3, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1
    out = D(images, torch.zeros(3, dtype=torch.long)) if family == "cgan" else D(images)
    logits = out[0] if family in ("infogan", "cgan") else out
    assert logits.shape == (3,)
    if family == "infogan":
        assert out[1].shape == (3, cfg.num_categories) and out[2].shape == (3, cfg.num_continuous)


@pytest.mark.parametrize("family", ["dcgan", "cgan", "infogan"])
def test_same_seed_same_pixels(family):
    cfg = models.FAMILIES[family].config(g_width=16, d_width=16)
    torch.manual_seed(0)
    G = models.build(family, "generator", cfg).eval()
    a = generate(family, G, 4, torch.Generator().manual_seed(7))
    b = generate(family, G, 4, torch.Generator().manual_seed(7))
    c = generate(family, G, 4, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_classifier_features_feed_its_head():
    judge = models.build("judge", "classifier", models.ClassifierConfig()).eval()
    x = torch.randn(5, 1, 28, 28)
    feats = judge.features(x)
    assert feats.shape == (5, 128)
    assert torch.allclose(judge.head(feats), judge(x))


def test_unsupported_image_size_and_unknown_config_field():
    with pytest.raises(ValueError, match="image_size"):
        models.DCGANGenerator(models.DCGANConfig(image_size=30))
    with pytest.raises(ValueError, match="unknown dcgan config fields"):
        models.make_config("dcgan", {"latent_dim": 8, "nonsense": 1})


def test_infogan_fully_connected_layers_are_optional():
    cfg = models.InfoGANConfig(g_width=8, d_width=8, g_hidden=32, d_hidden=16)
    G = models.build("infogan", "generator", cfg).eval()
    D = models.build("infogan", "discriminator", cfg)
    images = G(*sample_codes(3, cfg, torch.Generator().manual_seed(0), "cpu"))
    adv, categories, continuous = D(images)
    assert continuous.shape == (3, 2)
    assert images.shape == (3, 1, 28, 28) and adv.shape == (3,) and categories.shape == (3, 10)
    assert D.head.in_features == 16 and G.net.project[0].out_features == 32


def test_cgan_auxiliary_classifier_is_optional():
    plain = models.build("cgan", "discriminator", models.CGANConfig(d_width=8))
    with_head = models.build("cgan", "discriminator", models.CGANConfig(d_width=8, aux_classifier=True))
    images, labels = torch.randn(4, 1, 28, 28), torch.arange(4)
    assert plain(images, labels)[1] is None
    logits, classes = with_head(images, labels)
    assert logits.shape == (4,) and classes.shape == (4, 10)


def test_minibatch_discrimination_sees_its_group_only():
    from playground.models.blocks import MinibatchDiscrimination

    layer = MinibatchDiscrimination(16, kernels=4, group=4)
    x = torch.randn(8, 16)
    out = layer(x)
    assert out.shape == (8, 20) and torch.equal(out[:, :16], x)
    changed = x.clone()
    changed[5] += 3.0  # a sample of the second group
    again = layer(changed)
    assert torch.equal(again[:4], out[:4])  # the first group never compares itself with the second
    assert not torch.allclose(again[4:, 16:], out[4:, 16:])
    twins = layer(torch.randn(1, 16).repeat(4, 1))[:, 16:]
    assert torch.allclose(twins, torch.full_like(twins, 3.0))  # identical samples: each is close to 3 others


def test_mlp_discriminator_minibatch_layer_is_optional():
    with_layer = models.build("gan", "discriminator", models.MLPGANConfig(hidden=32))
    without = models.build("gan", "discriminator", models.MLPGANConfig(hidden=32, minibatch_kernels=0))
    images = torch.randn(8, 1, 28, 28)
    assert with_layer(images).shape == without(images).shape == (8,)
    assert with_layer.head.in_features == 16 + 32 and without.head.in_features == 16

"""Model families: each is a `Config` dataclass plus the `nn.Module`s it builds, by role."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from torch import nn

from .autoencoders import AEConfig, Autoencoder
from .cgan import CGANConfig, CGANDiscriminator, CGANGenerator
from .classifier import Classifier, ClassifierConfig
from .cyclegan import CycleGANConfig, PatchDiscriminator, ResnetGenerator
from .gan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGANConfig, MLPGenerator
from .infogan import InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator
from .pix2pix import ConditionalPatchDiscriminator, Pix2PixConfig, UNetGenerator


@dataclass(frozen=True)
class Family:
    config: type
    roles: dict[str, type[nn.Module]]


FAMILIES: dict[str, Family] = {
    "gan": Family(MLPGANConfig, {"generator": MLPGenerator, "discriminator": MLPDiscriminator}),
    "dcgan": Family(DCGANConfig, {"generator": DCGANGenerator, "discriminator": DCGANDiscriminator}),
    "cgan": Family(CGANConfig, {"generator": CGANGenerator, "discriminator": CGANDiscriminator}),
    "infogan": Family(InfoGANConfig, {"generator": InfoGANGenerator, "discriminator": InfoGANDiscriminator}),
    "judge": Family(ClassifierConfig, {"classifier": Classifier}),
    "autoencoder": Family(AEConfig, {"autoencoder": Autoencoder}),
    "pix2pix": Family(Pix2PixConfig, {"generator": UNetGenerator, "discriminator": ConditionalPatchDiscriminator}),
    "cyclegan": Family(
        CycleGANConfig,
        {
            "generator_ab": ResnetGenerator,
            "generator_ba": ResnetGenerator,
            "discriminator_a": PatchDiscriminator,
            "discriminator_b": PatchDiscriminator,
        },
    ),
}


def make_config(family: str, values: dict[str, Any]) -> Any:
    """Rebuild a family's Config from a plain dict (a model card), rejecting unknown fields."""
    config_cls = FAMILIES[family].config
    known = {f.name for f in dataclasses.fields(config_cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown {family} config fields: {sorted(unknown)}")
    return config_cls(**values)


def build(family: str, role: str, config: Any) -> nn.Module:
    return FAMILIES[family].roles[role](config)

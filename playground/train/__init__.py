"""Training: one loop (`loop.py`) shared by every family, one step module per family."""

from .autoencoder import AutoencoderRecipe
from .captioner import CaptionerRecipe
from .cgan import CGANRecipe
from .cyclegan import CycleGANRecipe
from .gan import DCGANRecipe, GANRecipe
from .infogan import InfoGANRecipe
from .judge import JudgeRecipe
from .pix2pix import Pix2PixRecipe
from .recipe import Recipe

RECIPES: dict[str, type[Recipe]] = {
    "gan": GANRecipe,
    "dcgan": DCGANRecipe,
    "cgan": CGANRecipe,
    "infogan": InfoGANRecipe,
    "judge": JudgeRecipe,
    "captioner": CaptionerRecipe,
    "cyclegan": CycleGANRecipe,
    "autoencoder": AutoencoderRecipe,
    "pix2pix": Pix2PixRecipe,
}

"""GAN Playground: interactive generative models, their training and their evaluation."""

__version__ = "0.1.0"

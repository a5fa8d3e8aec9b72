from __future__ import annotations

import math

import pytest
import torch

from playground import losses


def test_bce_losses_on_logits():
    confident_right = losses.discriminator_loss(torch.full((8,), 10.0), torch.full((8,), -10.0))
    confident_wrong = losses.discriminator_loss(torch.full((8,), -10.0), torch.full((8,), 10.0))
    assert confident_right < 1e-3 < 10 < confident_wrong
    assert losses.generator_loss(torch.zeros(4)) == pytest.approx(math.log(2))


def test_mutual_information_loss_rewards_confident_balanced_assignments():
    k = 10
    balanced = torch.eye(k).repeat(3, 1) * 50  # every category used, each image sure of its own
    uniform = torch.zeros(30, k)  # no image commits to a category
    collapsed = torch.zeros(30, k)
    collapsed[:, 0] = 50  # all images sure of the same category
    assert losses.mutual_information_loss(balanced) == pytest.approx(-math.log(k), abs=1e-4)
    assert losses.mutual_information_loss(uniform) == pytest.approx(0.0, abs=1e-5)
    assert losses.mutual_information_loss(collapsed) == pytest.approx(0.0, abs=1e-4)


def test_info_loss_is_small_when_q_recovers_the_codes():
    category = torch.arange(10)
    codes = torch.linspace(-1, 1, 20).view(10, 2)
    cat, cont = losses.info_loss(torch.eye(10) * 20, codes, category, codes, continuous_weight=0.1)
    assert cat < 1e-6 and cont == 0


def test_one_sided_label_smoothing_moves_the_real_target():
    real, fake = torch.full((8,), 10.0), torch.full((8,), -10.0)
    smoothed = losses.discriminator_loss(real, fake, real_target=0.9)
    assert smoothed > losses.discriminator_loss(real, fake) + 0.5  # a sure "real" now costs something
    target = math.log(0.9 / 0.1)  # the logit whose sigmoid is 0.9 is the smoothed optimum
    best = losses.discriminator_loss(torch.full((8,), target), fake, real_target=0.9)
    assert best < smoothed

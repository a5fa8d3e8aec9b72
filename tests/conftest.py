from __future__ import annotations

from pathlib import Path

import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _quiet_threads():
    torch.set_num_threads(2)


@pytest.fixture
def fixture_data_dir() -> Path:
    """Balanced 240-train / 80-test slices of Fashion-MNIST and MNIST (tests/fixtures/make_fixtures.py)."""
    return FIXTURES


def save_tiny_checkpoints(folder: Path) -> Path:
    """Randomly initialised but real-format checkpoints (safetensors + cards) of every app family."""
    import dataclasses

    from playground import checkpoints, models
    from playground.data import DIGIT_CLASSES, FASHION_CLASSES

    torch.manual_seed(0)
    specs = [
        ("infogan-mnist", "infogan", "generator", models.InfoGANConfig(g_width=8, d_width=8), DIGIT_CLASSES),
        ("infogan-fashion-mnist", "infogan", "generator", models.InfoGANConfig(g_width=8, d_width=8), FASHION_CLASSES),
        ("cgan-mnist", "cgan", "generator", models.CGANConfig(g_width=8, d_width=8), DIGIT_CLASSES),
        ("judge-mnist", "judge", "classifier", models.ClassifierConfig(width=8, feature_dim=16), DIGIT_CLASSES),
        ("gan-fashion-mnist", "gan", "generator", models.MLPGANConfig(hidden=32), FASHION_CLASSES),
        ("dcgan-fashion-mnist", "dcgan", "generator", models.DCGANConfig(g_width=8, d_width=8), FASHION_CLASSES),
        ("pix2pix-fashion-mnist", "pix2pix", "generator", models.Pix2PixConfig(ngf=4, ndf=4), FASHION_CLASSES),
    ]
    cyclegan = models.CycleGANConfig(in_channels=1, out_channels=1, ngf=4, n_blocks=1, ndf=4, d_layers=2)
    checkpoints.save(
        folder / "cyclegan-sneaker-boot",
        {role: models.build("cyclegan", role, cyclegan) for role in ("generator_ab", "generator_ba")},
        {"name": "cyclegan-sneaker-boot", "family": "cyclegan", "config": dataclasses.asdict(cyclegan),
         "dataset": "fashion-mnist", "domains": ["Sneaker", "Ankle boot"], "class_names": ["Sneaker", "Ankle boot"],
         "image_size": 28, "epochs": 1, "steps": 1, "wall_time_s": 1.0, "train_images": 48},
    )  # fmt: skip
    for kind in ("conv", "vae"):
        ae = models.AEConfig(kind=kind, latent_dim=2 if kind == "vae" else 4, width=4)
        name = "vae-fashion-mnist" if kind == "vae" else "ae-conv-fashion-mnist"
        codes = torch.randn(60, ae.latent_dim)
        checkpoints.save(
            folder / name, {"autoencoder": models.build("autoencoder", "autoencoder", ae)},
            {"name": name, "family": "autoencoder", "config": dataclasses.asdict(ae), "dataset": "fashion-mnist",
             "class_names": list(FASHION_CLASSES), "kind": kind, "epochs": 1, "steps": 1, "wall_time_s": 1.0,
             "train_images": 240},
            data={"examples": torch.rand(10, 1, 28, 28) * 2 - 1, "example_labels": torch.arange(10),
                  "map_codes": codes, "map_labels": torch.arange(60) % 10},
        )  # fmt: skip
    for name, family, role, config, classes in specs:
        card = {
            "name": name,
            "family": family,
            "config": dataclasses.asdict(config),
            "class_names": list(classes),
            "dataset": name.split("-", 1)[1],
            "epochs": 1,
            "steps": 1,
            "wall_time_s": 1.0,
            "train_images": 240,
        }
        if family == "infogan":
            card["category_to_class"] = [3, 1, 4, 0, 5, 9, 2, 6, 8, 7]
        checkpoints.save(folder / name, {role: models.build(family, role, config)}, card)
    return folder


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory) -> Path:
    return save_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"))


CAPTION_CORPUS = [
    "a red square on a white background", "a blue circle on a black background", "two green dots",
    "a small white cat on a red mat", "a big black dog", "a yellow sun over the sea", "three blue lines",
    "a red and white flag",
]  # fmt: skip


def save_tiny_captioner(folder: Path, seed: int = 0) -> Path:
    """A randomly initialised ViT + GPT-2 with a word-level tokenizer trained here: everything a
    VisionEncoderDecoder captioner needs, saved with save_pretrained like a real one."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        PreTrainedTokenizerFast,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessor,
        ViTModel,
    )  # fmt: skip

    torch.manual_seed(seed)
    word_level = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    word_level.pre_tokenizer = pre_tokenizers.Whitespace()
    word_level.train_from_iterator(
        CAPTION_CORPUS, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[BOS]", "[EOS]", "[UNK]"])
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=word_level, bos_token="[BOS]", eos_token="[EOS]", pad_token="[PAD]", unk_token="[UNK]"
    )
    encoder = ViTModel(
        ViTConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                  intermediate_size=64),
        add_pooling_layer=False,
    )  # fmt: skip
    decoder = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_embd=32,
            n_layer=2,
            n_head=2,
            n_positions=64,
            add_cross_attention=True,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
    )
    model = VisionEncoderDecoderModel(encoder=encoder, decoder=decoder)
    for cfg in (model.config, model.generation_config):
        cfg.decoder_start_token_id = tokenizer.bos_token_id
        cfg.pad_token_id = tokenizer.pad_token_id
        cfg.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_captioner_dir(tmp_path_factory) -> Path:
    return save_tiny_captioner(tmp_path_factory.mktemp("captioner"))


@pytest.fixture(scope="session")
def tiny_blip_dir(tmp_path_factory, tiny_captioner_dir) -> Path:
    """A randomly initialised BLIP captioner (reusing the tiny tokenizer), saved like a real one."""
    from transformers import (
        AutoTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
        BlipTextConfig,
        BlipVisionConfig,
    )  # fmt: skip

    folder = tmp_path_factory.mktemp("blip")
    tokenizer = AutoTokenizer.from_pretrained(tiny_captioner_dir)
    ids = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id, "sep_token_id": tokenizer.eos_token_id}  # fmt: skip
    small = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    config = BlipConfig(
        text_config=BlipTextConfig(vocab_size=len(tokenizer), encoder_hidden_size=32, **small, **ids).to_dict(),
        vision_config=BlipVisionConfig(image_size=32, patch_size=8, **small).to_dict(),
    )
    torch.manual_seed(0)
    BlipForConditionalGeneration(config).save_pretrained(folder)
    BlipProcessor(
        image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tokenizer
    ).save_pretrained(folder)
    return folder


# -- browser tests (tests/browser_harness.py) -------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's: apt-get install chromium); each test gets a context."""
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.browser_harness import CHROMIUM, launch_chromium

    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        launched = launch_chromium(p)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shipped_app(tmp_path_factory, tiny_captioner_dir):
    """The real app (`python app.py`) on the shipped checkpoints, offline with an empty cache, the tiny captioner
    as its local one: one server for every browser module that needs nothing else (each test opens its own
    page, so its own Gradio session)."""
    from playground import settings
    from tests.browser_harness import serve

    with serve(settings.CHECKPOINT_DIR, tmp_path_factory.mktemp("shipped-app"), "--caption-model",
               str(tiny_captioner_dir)) as running:  # fmt: skip
        yield running


@pytest.fixture
def person(request, browser, app):
    """A visitor on a fresh page of the module's `app` (a tests.browser_harness.App): a new browser context,
    the error watcher installed before Gradio runs. After the test body, conftest's pytest_runtest_call wrapper
    saves a screenshot and fails the test on what a person would see as broken (bare or unexpected errors, a
    server traceback)."""
    from tests.browser_harness import visit

    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_browser").strip("_") or "tabs"
    context, visitor = visit(browser, app, f"{module}-{request.node.name.removeprefix('test_')}")
    request.node.browser_person = visitor
    yield visitor
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Browser tests: after the body, a screenshot and the checks of tests.browser_harness.Person.finish, in the
    call phase (so a strict xfail sees a failure there)."""
    try:
        result = yield
    except BaseException:
        visitor = getattr(item, "browser_person", None)
        if visitor is not None:
            visitor.finish(check=False)
        raise
    visitor = getattr(item, "browser_person", None)
    if visitor is not None:
        visitor.finish()
    return result

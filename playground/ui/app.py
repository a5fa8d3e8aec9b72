"""build_demo(): the whole interface, one tab per module."""

from __future__ import annotations

import gradio as gr

from .. import settings
from ..gpu import wrap_events
from ..pipelines.store import Store
from ..studio.jobs import Studio, training_device
from . import (
    autoencoder_tab,
    caption_tab,
    conditional_tab,
    cyclegan_tab,
    gan2d_tab,
    gan_vs_dcgan_tab,
    history,
    latent_tab,
    models_tab,
    sketch_tab,
    studio_tab,
    style_tab,
)
from .api import describe_api
from .common import DRAW_FIRST, ENLARGED
from .lanes import assign_lanes
from .share import link_tab

TITLE = "GAN Playground"
# The events that run models on the store's device, by api_name (or handler name for a private event): on a
# ZeroGPU Space each runs with a GPU attached (playground/gpu.py). The rest (seeds, pickers, listings, the Lab's
# small CPU trainer, whose state must stay in this process) never wait for a GPU.
GPU_EVENTS = (
    "infogan_generate", "infogan_sweep", "infogan_interpolate", "infogan_apply_settings", "cgan_generate",
    "cgan_apply_settings", "cyclegan_translate", "style_fast", "style_gatys", "style_builtin_gallery", "caption",
    "caption_attention", "ae_reconstruct", "vae_map", "vae_sample", "decode_click", "gan_vs_dcgan", "pix2pix_render",
    "infogan_invert", "infogan_sweep_video", "infogan_interpolate_video", "cgan_swap", "first_picture", "first_grid",
    "gallery", "restore", "record",  # the pictures of the page's first load and of the history strip
)  # fmt: skip
GPU_SECONDS = {"style_gatys": 120}  # the longest a call may hold a ZeroGPU (default 60 s)
# Once the page is up: pick the brush of every sketchpad made with common.sketchpad (now, and whenever a tab
# renders one later), so drawing starts with the first stroke.
JS = """
() => {
  const pick = () => {
    for (const button of document.querySelectorAll('.DRAW_FIRST button[aria-label="Brush"]')) {
      if (button.dataset.picked) continue;
      button.dataset.picked = "1";
      button.click();
    }
  };
  new MutationObserver(pick).observe(document.body, { childList: true, subtree: true });
  pick();
}
""".replace("DRAW_FIRST", DRAW_FIRST)
CSS = """
.gradio-container img { image-rendering: pixelated; }  /* generated pixels stay crisp when scaled */
.ENLARGED img { width: 100% !important; height: 100% !important; object-fit: contain; }
""".replace("ENLARGED", ENLARGED)


def open_linked_tab(request: gr.Request) -> object:
    return link_tab(request, {latent_tab.TAB, conditional_tab.TAB})


def by_elem_id(demo: gr.Blocks, elem_id: str) -> gr.components.Component | None:
    """A component already built in `demo`, by its elem_id (None when that tab did not build it)."""
    return next((b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id), None)


def build_demo(store: Store, caption_models: list[str] = ()) -> gr.Blocks:
    # delete_cache=(every, age): Gradio deletes this app's temporary files older than `age` every `every`
    # seconds, and all of them when the server stops; playground/disk.py also caps their total size.
    with gr.Blocks(title=TITLE, delete_cache=(settings.CLEAN_EVERY_S, settings.MAX_UPLOAD_AGE_S)) as demo:
        gr.Markdown(f"# {TITLE}\nPlay with generative models trained in this repository.")
        visitor = studio_tab.visitor_state()  # the Studio's per-browser id, outside the tabs (see there)
        with gr.Tabs() as tabs:
            # each tab gets the pipelines (or the loaders) it uses, and nothing else of the store
            with gr.Tab("Latent Explorer", id=latent_tab.TAB):
                latent = latent_tab.build(demo, store.models("infogan"))
            with gr.Tab("Conditional", id=conditional_tab.TAB):
                conditional = conditional_tab.build(demo, store.models("cgan"))
            senders = [tab.caption for tab in (latent, conditional) if tab is not None]
            with gr.Tab("CycleGAN", id="cyclegan"):
                cyclegan_tab.build(demo, store.models("cyclegan"), store.translator)
            with gr.Tab("Style transfer", id="style"):
                senders.append(style_tab.build(demo, store.fast_style, store.gatys))
            with gr.Tab("Captioning", id="caption"):
                caption_input = caption_tab.build(demo, store.captioner, list(caption_models))
            with gr.Tab("Lab", id="lab"):
                with gr.Tab("2-D GAN"):
                    gan2d_tab.build(demo)
                with gr.Tab("Autoencoders"):
                    autoencoder_tab.build(demo, store.models("autoencoder"))
                with gr.Tab("Pix2Pix"):
                    sketch_tab.build(demo, store.models("pix2pix"))
                with gr.Tab("GAN vs DCGAN"):
                    gan_vs_dcgan_tab.build(demo, store.models("gan"), store.models("dcgan"))
            with gr.Tab("Studio", id="studio"):
                # Training from the page: each visitor's job is a `python -m playground.train` process; their
                # models join the Conditional and Latent Explorer pickers (found by elem_id) for them only.
                studio = Studio(settings.STUDIO_RUNS_DIR, store=store, device=training_device(store.device))
                pickers = {"cgan": by_elem_id(demo, "cgan-model"), "infogan": by_elem_id(demo, "latent-model")}
                families = {family: store.models(family) for family in ("cgan", "infogan", "dcgan")}
                studio_tab.build(demo, studio, families, visitor, pickers)
                studio.watch()
            with gr.Tab("Models", id="models"):
                models_tab.build(demo, store.cards, store.checkpoint_dir)
        history.build(demo, tabs, [tab.history for tab in (latent, conditional) if tab is not None])
        # "Caption this": hand a tab's picture to the Captioning tab and switch to it.
        for button, picture in filter(None, senders):
            button.click(lambda shown: shown, picture, caption_input, api_visibility="private").then(
                lambda: gr.Tabs(selected="caption"), None, tabs, api_visibility="private"
            )
        # a shared link opens on the tab it names (that tab applies its settings as it loads)
        demo.load(open_linked_tab, None, tabs, api_visibility="private")
    describe_api(demo)
    wrap_events(demo, GPU_EVENTS, GPU_SECONDS)
    assign_lanes(demo)
    return demo

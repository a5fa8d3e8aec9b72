"""What the browser tests share: the real app on a free port, one Chromium, and a `Person` who uses a page the
way a visitor does — clicks tabs and buttons, drags sliders, draws with the mouse, uploads through the file
chooser, presses download buttons — while a watcher in the page records every red "Error" badge and toast.

After each test (tests/conftest.py's pytest_runtest_call wrapper, so a strict xfail sees it) the person saves a
screenshot under tests/artifacts/ and fails the test on an error toast or badge without a sentence, on an
error sentence the test did not expect, and on any "Traceback" the server wrote to its log meanwhile.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from bench.server import REPO, running_app

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLES = REPO / "assets" / "examples"
TIMEOUT_MS = 60_000
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]  # fmt: skip

# Runs in every page before Gradio does: records each toast (kind, title, sentence) and each red "Error" badge
# of a component's status tracker (where), with a timestamp, in window.__playground.events. Toasts vanish after
# a few seconds, so they are caught as they come (a MutationObserver, and a poll for text filled in later).
WATCH_ERRORS_JS = """
(() => {
  if (window.__playground) return;
  const state = (window.__playground = { events: [] });
  const seen = new Map();
  const where = (el) => {
    const block = el.closest('.block');
    if (!block) {
      const named = el.closest('[id]');
      return named && named.id ? '#' + named.id : 'an unlabelled output';
    }
    if (block.id) return '#' + block.id;
    const label = block.querySelector('[data-testid=block-label]');
    return label && label.textContent.trim() ? JSON.stringify(label.textContent.trim()) : 'an unlabelled output';
  };
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid=toast-body]')) {
      const kind = ['error', 'warning', 'info', 'success'].find((k) => el.classList.contains(k)) || 'info';
      const title = (el.querySelector('.toast-title') || { textContent: '' }).textContent.trim();
      const text = [...el.querySelectorAll('[data-testid=toast-text]')].map((t) => t.textContent.trim())
        .join(' ').trim();
      let record = seen.get(el);
      if (!record) {
        record = { what: 'toast', kind, title, text, where: '', t: Date.now() };
        seen.set(el, record);
        state.events.push(record);
      } else if (text.length > record.text.length) {
        record.text = text;
      }
    }
    for (const el of document.querySelectorAll('[data-testid=status-tracker] .error')) {
      if (seen.has(el)) continue;
      const record = { what: 'badge', kind: 'error', title: el.textContent.trim(), text: '', where: where(el),
                       t: Date.now() };
      seen.set(el, record);
      state.events.push(record);
    }
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true, characterData: true });
  setInterval(scan, 100);
})();
"""

# Anything inside a component that takes a file from the visitor: an upload drop zone or a file input.
UPLOAD_PARTS = "input[type=file], [data-testid=file-upload], button.upload-container, [aria-label*='upload' i]"


@dataclass
class App:
    url: str
    log: Path

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


@contextmanager
def serve(checkpoints: Path, cache: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[App]:
    """The real app (python app.py) on a free port with its own cache, offline unless `env` says otherwise,
    with Hugging Face and torch caches of its own so nothing on this machine leaks in."""
    env = {
        "PLAYGROUND_OFFLINE": "1", "HF_HOME": str(cache / "hf"), "HF_HUB_CACHE": "", "TORCH_HOME": str(cache / "torch"),
        **(env or {}),
    }  # fmt: skip
    with running_app(checkpoints, cache, *extra, env=env) as (url, _, log):
        yield App(url, Path(log))


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def strokes_outline(kind: str = "boot") -> list[list[tuple[float, float]]]:
    """Strokes (lists of points in fractions of the drawing area, 0..1) a person might draw."""
    if kind == "boot":  # an ankle boot's outline: shaft, toe, sole, heel
        return [[(0.25, 0.1), (0.5, 0.1), (0.5, 0.55), (0.85, 0.65), (0.9, 0.85), (0.2, 0.85), (0.25, 0.1)]]
    if kind == "tshirt":
        return [[(0.3, 0.2), (0.1, 0.35), (0.2, 0.5), (0.3, 0.42), (0.3, 0.85), (0.7, 0.85), (0.7, 0.42), (0.8, 0.5),
                 (0.9, 0.35), (0.7, 0.2), (0.6, 0.25), (0.4, 0.25), (0.3, 0.2)]]  # fmt: skip
    if kind == "blobs":  # two clusters of short strokes: a bimodal point cloud
        left = [[(0.2 + dx, 0.3 + dy), (0.3 + dx, 0.35 + dy)] for dx in (0, 0.05) for dy in (0, 0.06, 0.12)]
        right = [[(0.65 + dx, 0.6 + dy), (0.75 + dx, 0.55 + dy)] for dx in (0, 0.05) for dy in (0, 0.06, 0.12)]
        return left + right
    raise ValueError(kind)


@dataclass
class Person:
    """A visitor on one page: the helpers say what a person does, in the page's own words where possible."""

    page: object
    app: App
    name: str = "browser"  # the test's: tests/artifacts/<name>.png and tests/artifacts/downloads/<name>/
    log_offset: int = 0
    judged: int = 0  # error events already looked at by until()
    expected: list[re.Pattern] = field(default_factory=list)
    downloads: list[Path] = field(default_factory=list)

    # -- finding things -------------------------------------------------------------------------------------
    def block(self, label_or_id: str):
        """A component by its elem_id ('#x') or its label, the visible one (labels repeat across tabs)."""
        if label_or_id.startswith("#"):
            return self.page.locator(label_or_id)
        text = json.dumps(label_or_id, ensure_ascii=False)
        return self.page.locator(f".block:has(> [data-testid=block-label]:text-is({text}))").filter(visible=True)

    def block_after(self, button: str):
        """The first component after a button, in page order: for outputs whose label is hidden."""
        return self.button(button).locator(
            "xpath=following::div[contains(concat(' ', normalize-space(@class), ' '), ' block ')][1]"
        )

    @staticmethod
    def row_of(locator):
        """The layout row (gr.Row) around a locator: a Models card's text and its picture."""
        return locator.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' row ')][1]")

    def open_tab(self, *names: str) -> None:
        for name in names:
            tab = self.page.get_by_role("tab", name=name, exact=True).filter(visible=True)
            tab.click()
            self.page.wait_for_function("el => el.getAttribute('aria-selected') === 'true'", arg=tab.element_handle())

    def button(self, name: str, within=None):
        return (within or self.page).get_by_role("button", name=name, exact=True).filter(visible=True)

    def press(self, name: str, within=None) -> None:
        self.button(name, within).click()

    # -- what is on screen -----------------------------------------------------------------------------------
    def picture(self, block) -> tuple[str, int, int]:
        """(src, natural width, natural height) of the picture a component shows, or ('', 0, 0)."""
        img = block.locator("img")
        if img.count() == 0:
            return "", 0, 0
        src, w, h = img.first.evaluate("i => [i.src, i.naturalWidth, i.naturalHeight]")
        return src, w, h

    def fetch_picture(self, src: str) -> Image.Image:
        """The picture behind an <img> src, fetched as the page would (same cookies)."""
        response = self.page.request.get(src)
        assert response.ok, f"{src} answered {response.status}"
        return Image.open(io.BytesIO(response.body())).copy()

    def until(self, condition_js: str, arg=None, timeout: float = TIMEOUT_MS) -> None:
        """Wait until `condition_js` (a JS function of `arg`) is true; fail at once when an error shows up that
        the test did not expect (or one without a sentence), even one that came before the wait began."""
        deadline = time.monotonic() + timeout / 1000
        script = (
            "([arg, seen]) => window.__playground.events.filter(e => e.kind === 'error').length > seen"
            f" || ({condition_js})(arg)"
        )  # fmt: skip
        while True:
            left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
            self.page.wait_for_function(script, arg=[arg, self.judged], timeout=left_ms)
            errors = [e for e in self.events() if e["kind"] == "error"]
            if len(errors) > self.judged:
                self.page.wait_for_timeout(300)  # a badge's toast (its sentence) comes with it
                events = self.events()
                errors = [e for e in events if e["kind"] == "error"]
                bad = self.judge(errors[self.judged :], events)
                self.judged = len(errors)
                if bad:
                    raise AssertionError("an error showed up while waiting: " + "; ".join(bad) + self.traceback())
            if self.page.evaluate(f"arg => !!({condition_js})(arg)", arg):
                return

    def wait_picture(self, block, before: str = "", timeout: float = TIMEOUT_MS) -> tuple[str, int, int]:
        """Wait for a new, fully loaded picture in a component (another src than `before`)."""
        handle = block.element_handle(timeout=timeout)
        self.until(
            """([el, before]) => { const img = el.querySelector('img');
                   return !!img && img.src !== before && img.complete && img.naturalWidth > 0; }""",
            [handle, before], timeout,
        )  # fmt: skip
        return self.picture(block)

    def wait_text(self, block, pattern: str, timeout: float = TIMEOUT_MS) -> str:
        """Wait until a component's text matches a regular expression; returns the text."""
        handle = block.element_handle(timeout=timeout)
        self.until("([el, p]) => new RegExp(p).test(el.innerText)", [handle, pattern], timeout)
        return block.inner_text()

    def idle(self, timeout: float = TIMEOUT_MS) -> None:
        """Wait until no component shows a running status (Gradio's progress trackers are hidden)."""
        self.until(
            """() => ![...document.querySelectorAll('[data-testid=status-tracker]')]
                   .some(t => !t.classList.contains('hide') && t.offsetParent !== null &&
                              (t.querySelector('.progress-text, .eta-bar, .meta-text, .loader') !== null))""",
            None, timeout,
        )  # fmt: skip

    # -- doing things ----------------------------------------------------------------------------------------
    def upload(self, block, *paths: Path) -> None:
        """Click a component's drop zone, as a person does, and pick the files in the file chooser."""
        with self.page.expect_file_chooser() as chooser:
            block.locator("button:has(input[type=file]), [data-testid=upload-text]").first.click()
        chooser.value.set_files([str(p) for p in paths])

    def draw(
        self, pad, strokes: Iterable[Iterable[tuple[float, float]]], steps: int = 1, pick_brush: bool = True
    ) -> None:
        """Draw strokes with the mouse on a sketchpad (picking its brush first unless it is picked, or
        `pick_brush` is False); points are fractions of the drawing area (the white page in the middle of the
        editor's canvas)."""
        pad.scroll_into_view_if_needed()
        brush = pad.get_by_role("button", name="Brush", exact=True)
        if pick_brush and "highlight" not in (brush.get_attribute("class") or "").split():
            brush.click()  # a person picks the brush when it is not picked already
        canvas = pad.locator("canvas").first
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        # The editor shows its page zoomed to fit, centred in the canvas, a little smaller than it.
        side = min(box["width"], box["height"]) * 0.75
        left, top = box["x"] + (box["width"] - side) / 2, box["y"] + (box["height"] - side) / 2
        mouse = self.page.mouse
        for stroke in strokes:
            points = [(left + x * side, top + y * side) for x, y in stroke]
            mouse.move(*points[0])
            mouse.down()
            for x, y in points[1:]:
                mouse.move(x, y, steps=steps)
            mouse.up()
        self.page.wait_for_timeout(300)  # the editor composites its layers after the last stroke

    def drag_slider(self, label: str, fraction: float) -> float:
        """Drag a slider's thumb with the mouse to `fraction` of its track and let go (its .release event);
        returns the value it shows then."""
        slider = self.page.get_by_role("slider", name=label).filter(visible=True)
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        mouse = self.page.mouse
        y = box["y"] + box["height"] / 2
        value = float(slider.input_value())
        lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
        start = box["x"] + box["width"] * (value - lo) / (hi - lo)
        mouse.move(start, y)
        mouse.down()
        mouse.move(box["x"] + box["width"] * fraction, y, steps=8)
        mouse.up()
        moved = float(slider.input_value())
        assert moved != value, f"dragging the slider {label!r} did not move it"
        return moved

    def pick(self, label: str, option: str | int) -> str:
        """Open a dropdown and click one of its options (by its text, or its place in the list); returns its text."""
        self.page.get_by_label(label, exact=True).filter(visible=True).click()
        options = self.page.get_by_role("option").filter(visible=True)
        chosen = options.nth(option) if isinstance(option, int) else options.filter(has_text=re.compile(
            rf"^\W*{re.escape(option)}\s*$"))  # fmt: skip
        text = chosen.first.inner_text().strip()
        chosen.first.click()
        return text

    def settings_shown(self) -> dict:
        """The settings JSON a tab shows (its gr.Code block), once it parses."""
        code = self.block("Settings (copy to share; paste below to reproduce)").locator(".cm-content")
        self.until("el => { try { JSON.parse(el.innerText); return true; } catch (e) { return false; } }",
                   code.element_handle())  # fmt: skip
        return json.loads(code.inner_text())

    def fill_number(self, label: str, value, submit: bool = False) -> None:
        field_ = self.page.get_by_label(label, exact=True).filter(visible=True).first
        field_.fill(str(value))
        if submit:
            field_.press("Enter")
        else:
            field_.blur()

    def example_rows(self, label: str):
        """The rows of a gr.Examples table (or the thumbnails of a one-picture-per-row examples gallery)."""
        text = json.dumps(label, ensure_ascii=False)
        examples = self.page.locator(f".block:has(> .label:text-is({text}))").filter(visible=True)
        examples.wait_for()
        return examples.locator("tbody tr, button.gallery-item")

    # -- downloads -------------------------------------------------------------------------------------------
    def accepts_uploads(self, block) -> bool:
        return block.locator(UPLOAD_PARTS).count() > 0

    def download(self, block, what: str = "") -> Path:
        """Press an output's download button (or its file link) and return the downloaded file's path. Fails
        on an output that is an upload box: it takes files instead of handing them out."""
        name = what or block.evaluate("b => b.id || b.querySelector('[data-testid=block-label]')?.textContent.trim()")
        assert not self.accepts_uploads(block), (
            f"the output {name!r} is an upload box (it has an upload drop zone / file input) and no download button"
        )
        button = block.locator("[data-testid=download-link], button[aria-label='Download'], "
                               "button[aria-label='Download All']").filter(visible=True)  # fmt: skip
        assert button.count(), f"the output {name!r} has no download button"
        with self.page.expect_download() as pending:
            button.first.click()
        download = pending.value
        assert download.failure() is None, f"the download of {name!r} failed: {download.failure()}"
        target = ARTIFACTS / "downloads" / self.name / f"{len(self.downloads):02d}-{download.suggested_filename}"
        target.parent.mkdir(parents=True, exist_ok=True)
        download.save_as(target)
        self.downloads.append(target)
        return target

    def download_picture(self, block, what: str = "") -> Image.Image:
        """Download the picture an output shows and open it: the same size as on screen."""
        _, width, height = self.picture(block)
        picture = open_picture(self.download(block, what))
        assert picture.size == (width, height), f"downloaded {picture.size}, the page shows {(width, height)}"
        return picture

    # -- the checks after every test -------------------------------------------------------------------------
    def expect_error(self, pattern: str) -> None:
        """An error sentence this test provokes on purpose (a regular expression): not a failure."""
        self.expected.append(re.compile(pattern))

    def forget(self) -> None:
        """Start the after-test checks afresh: what was seen so far was provoked and checked by the test."""
        self.page.evaluate("window.__playground.events.length = 0")
        self.judged = 0
        self.page.wait_for_timeout(300)  # the server finishes writing what it writes
        self.log_offset = self.app.log_size()

    def events(self) -> list[dict]:
        try:
            return self.page.evaluate("window.__playground ? window.__playground.events : []")
        except Exception:  # the page is gone
            return []

    def judge(self, errors: list[dict], events: list[dict]) -> list[str]:
        """What is wrong with these error events: a toast or badge without a sentence, or a sentence the test
        did not expect (a badge counts as explained by an error toast with a sentence at the same moment)."""
        sentences = [e for e in events if e["what"] == "toast" and e["kind"] == "error" and e["text"]]
        found = []
        for e in errors:
            if e["what"] == "toast" and not e["text"]:
                found.append(f"a red {e['title'] or 'Error'!r} toast without a sentence")
            elif e["what"] == "badge" and not any(abs(s["t"] - e["t"]) < 5000 for s in sentences):
                found.append(f"a red {e['title']!r} badge on {e['where']} without a sentence")
            elif e["what"] == "toast" and not any(p.search(e["text"]) for p in self.expected):
                found.append(f"an unexpected error toast: {e['text']!r}")
        return found

    def problems(self) -> list[str]:
        """Everything a person would have seen as broken since the page opened (or since forget())."""
        events = self.events()
        found = self.judge([e for e in events if e["kind"] == "error"], events)
        if self.traceback():
            found.append(self.traceback().strip())
        return found

    def traceback(self) -> str:
        """The server log's last traceback since the page opened (or forget()), its last lines; '' if none."""
        log = self.app.log_since(self.log_offset)
        if "Traceback" not in log:
            return ""
        tail = log[log.rindex("Traceback") :].strip().splitlines()
        return "\na traceback in the server log:\n    " + "\n    ".join(tail[-12:])

    def shot(self, suffix: str = "") -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.name}{suffix}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def finish(self, check: bool = True) -> None:
        """Screenshot, then the checks (raising AssertionError when a person would have seen something wrong)."""
        try:
            self.page.wait_for_timeout(200)  # a last toast gets its sentence
            self.shot()
        except Exception:
            pass
        if check:
            found = self.problems()
            assert not found, "what a person would see as broken:\n  - " + "\n  - ".join(found)


def visit(browser, app: App, name: str):
    """A new browser context on the app (the error watcher installed before Gradio runs), the page loaded:
    (context, person). The caller closes the context."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    context.add_init_script(WATCH_ERRORS_JS)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    visitor = Person(page, app, name=name, log_offset=app.log_size())
    shutil.rmtree(ARTIFACTS / "downloads" / name, ignore_errors=True)  # this test's downloads, fresh
    page.goto(app.url, wait_until="load")
    page.get_by_role("tab", name="Models").wait_for()  # the app has loaded
    return context, visitor


# -- opening downloads ---------------------------------------------------------------------------------------
def open_picture(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image.copy()


def gif_frames(path: Path) -> int:
    with Image.open(path) as image:
        assert image.format == "GIF", f"{path.name} is a {image.format}, not a GIF"
        return getattr(image, "n_frames", 1)


def zipped_pictures(path: Path) -> list[Image.Image]:
    """Every picture in a gallery's 'Download All' zip, opened."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        assert names, f"{path.name} is an empty zip"
        pictures = []
        for n in names:
            with archive.open(n) as f:
                image = Image.open(f)
                image.load()
                pictures.append(image.copy())
        return pictures

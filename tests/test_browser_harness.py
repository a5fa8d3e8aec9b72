"""Slow: the browser harness catches what it promises to catch, on a four-button Gradio app of its own — a bare
exception (a red "Error" badge with no sentence, a traceback in the server log), a friendly gr.Error that the
test expects (fine) or does not (a failure), and an output that is an upload box with no download button."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bench.server import free_port, wait_for
from tests.browser_harness import App

pytestmark = pytest.mark.slow

MINI_APP = textwrap.dedent(
    """
    import sys
    import gradio as gr

    def bare(text):
        raise TypeError("expected str, bytes or os.PathLike object, not 'dict'")

    def friendly(text):
        raise gr.Error("A sentence that says what went wrong.", print_exception=False)

    with gr.Blocks() as demo:
        gr.Tab("Models")  # the harness waits for this tab
        box = gr.Textbox(label="In", value="hello")
        out = gr.Textbox(label="Out", elem_id="out")
        shown = gr.Image(label="Shown", buttons=["download"], elem_id="shown")  # an input too: an upload box
        saved = gr.Image(label="Saved", buttons=["download"], interactive=False, elem_id="saved")
        gr.Button("Bare").click(bare, box, out)
        gr.Button("Friendly").click(friendly, box, out)
        gr.Button("Fine").click(lambda text: text.upper(), box, out)
        gr.Button("Draw").click(lambda: 2 * [__import__("PIL.Image").Image.new("RGB", (40, 30), "teal")], None,
                                [shown, saved])
        gr.Button("Copy").click(lambda picture: picture, shown, saved)
    demo.launch(server_port=int(sys.argv[1]))
    """
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mini")
    (folder / "mini.py").write_text(MINI_APP)
    log, port = folder / "server.log", free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "mini.py", str(port)], cwd=folder, stdout=out, stderr=subprocess.STDOUT,
            env={"GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_TEMP_DIR": str(folder / "tmp"),
                 "PATH": "/usr/bin:/bin", "HOME": str(folder)},
        )  # fmt: skip
    try:
        yield App(wait_for(f"http://127.0.0.1:{port}/", process, 60, log), log)
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_bare_exception_is_a_badge_without_a_sentence_and_a_traceback(person):
    person.press("Bare")
    person.page.locator("#out [data-testid=status-tracker] .error").wait_for()
    person.page.wait_for_timeout(500)  # the server has written its traceback
    found = person.problems()
    assert any("badge on #out without a sentence" in p for p in found), found
    assert any("traceback in the server log" in p and "not 'dict'" in p for p in found), found
    person.forget()  # seen: the after-test check starts clean


def test_waiting_for_an_output_stops_at_an_error(person):
    person.press("Bare")
    with pytest.raises(AssertionError, match="an error showed up while waiting"):
        person.wait_text(person.block("#out"), "HELLO")
    person.forget()


def test_an_expected_sentence_passes_and_an_unexpected_one_fails(person):
    person.press("Friendly")
    person.page.get_by_test_id("toast-text").filter(has_text="A sentence").wait_for()
    assert person.problems() == ["an unexpected error toast: 'A sentence that says what went wrong.'"]
    person.expect_error("says what went wrong")
    assert person.problems() == []
    person.press("Fine")
    person.until("() => document.querySelector('#out textarea').value === 'HELLO'")


def test_an_output_that_takes_uploads_cannot_be_downloaded(person):
    person.press("Draw")
    person.wait_picture(person.block("#saved"))
    person.wait_picture(person.block("#shown"))
    assert person.download_picture(person.block("#saved")).size == (40, 30)
    assert person.accepts_uploads(person.block("#shown"))
    with pytest.raises(AssertionError, match="is an upload box"):
        person.download(person.block("#shown"))

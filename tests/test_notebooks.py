"""Committed notebooks are executed, quiet and self-contained (nbval itself re-runs them)."""

from __future__ import annotations

import base64
import io
import re

import nbformat
import pytest
from PIL import Image

from dilemma import figures, paths
from dilemma.briefing import figure_meta
from dilemma.build import notebooks

NOTEBOOKS = notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_with_outputs_and_no_stderr(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell must be executed (never commit stripped notebooks)"
    for c in code:
        for o in c.outputs:
            assert not (o.output_type == "stream" and o.name == "stderr"), f"stderr output: {o.text[:200]}"
            assert o.output_type != "error"
            plain = o.get("data", {}).get("text/plain", "")
            assert not re.match(r"^(\[<matplotlib|Text\(|<matplotlib)", plain), f"stray repr output: {plain[:80]}"
            assert "image/svg+xml" not in o.get("data", {}), "show figures inline as PNG, never SVG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_reads_as_a_chapter(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.cells[0].source.startswith("# "), "starts with a title"
    assert "**The question.**" in text and "## Caveats" in text and "Takeaways" in text
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup(" in setup.source and "data as of" in setup.outputs[0].text
    saves = sum(c.source.count("ch.save(") for c in nb.cells if c.cell_type == "code")
    assert saves >= 3, "each chapter has at least three figures"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_each_saved_figure_is_shown_once_at_preview_size(path):
    """save() shows the exported raster reduced and closes the figure: a figure left open would show twice."""
    nb = nbformat.read(path, as_version=4)
    shown = [Image.open(io.BytesIO(base64.b64decode(o["data"]["image/png"])))
             for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    saved = [m["name"] for m in figure_meta(paths.ROOT / "figures") if m["notebook"] == path.name]
    assert len(shown) == len(saved), f"{len(shown)} inline images for {len(saved)} saved figures"
    with Image.open(paths.ROOT / "figures" / f"{saved[0]}.png") as export:
        preview = tuple(side * figures.PREVIEW_DPI // figures.PNG_DPI for side in export.size)
    assert {image.size for image in shown} == {preview}


def test_no_code_duplicated_between_notebooks():
    seen: dict[str, str] = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for c in nb.cells:
            if c.cell_type != "code":
                continue
            for line in c.source.splitlines():
                line = line.strip()
                if len(line) < 60 or line.startswith(("#", "print(", "from ", "import ")):
                    continue
                assert seen.setdefault(line, path.name) == path.name, f"{line!r} is in {seen[line]} and {path.name}"


def test_every_notebook_is_listed_in_the_readme():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in readme

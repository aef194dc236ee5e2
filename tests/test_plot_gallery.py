"""examples/gallery.py: every figure of the gallery draws, small, something that
is not blank, and docs/gallery.md shows each with the code that drew it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnzero import plot

ROOT = Path(__file__).resolve().parents[1]


def load_gallery():
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "examples" / "gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GALLERY = load_gallery()
NAMES = [name for name, *_ in GALLERY.FIGURES]


def pixels(fig, dpi=30) -> np.ndarray:
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(float)


def test_blank_detection_works():
    """The check below fails on an empty figure and passes on a drawn one."""
    from matplotlib.figure import Figure

    empty = pixels(Figure(figsize=(3, 2)))
    assert empty.std() == 0
    drawn = Figure(figsize=(3, 2))
    drawn.add_subplot().plot([0, 1], [0, 1])
    assert pixels(drawn).std() > 5


@pytest.mark.parametrize("name", NAMES)
def test_each_figure_draws_small_and_is_not_blank(name):
    function = {n: f for n, _, _, f in GALLERY.FIGURES}[name]
    fig = function(True)
    image = pixels(fig)
    plot.close(fig)
    background = np.median(image.reshape(-1, 3), axis=0)
    drawn = np.abs(image - background).sum(axis=2) > 30
    # Not blank: a real share of the pixels differs from the background,
    # and in more than one colour.
    assert drawn.mean() > 0.02, f"{name}: only {drawn.mean():.1%} of the pixels drawn"
    assert image.std() > 10
    assert len(np.unique(image[drawn].astype(int), axis=0)) > 5


def test_page_shows_every_figure_with_its_code():
    text = GALLERY.page_text(NAMES)
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == [f"gallery/{name}.png" for name in NAMES]
    for _, title, _, function in GALLERY.FIGURES:
        assert f"## {title}" in text
        assert f"def {function.__name__}(small):" in text
    assert "@figure" not in text  # the decorator is not part of the shown code


def test_committed_page_is_current():
    """docs/gallery.md is what write_page writes now (rerun make gallery after
    changing a figure's code), and every figure it shows exists."""
    page = ROOT / "docs" / "gallery.md"
    if not page.exists():
        pytest.skip("docs/gallery.md is written by make gallery")
    assert GALLERY.page_text(NAMES) == page.read_text(encoding="utf-8")
    for name in NAMES:
        assert (ROOT / "docs" / "gallery" / f"{name}.png").is_file(), name


def test_unknown_figure_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as err:
        GALLERY.main(["--only", "nope"])
    assert err.value.code == 2
    assert "unknown figure" in capsys.readouterr().err

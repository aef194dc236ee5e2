"""The HTML run report: content, escaping, self-containment, and a real browser."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from nnzero.report import RunDirError, build_report, per_class_table, write_report
from nnzero.runs import resolve_config, train_run

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A real run with every plot: digits are images, so the page has them all."""
    out = tmp_path_factory.mktemp("report") / "digits"
    config = resolve_config(overrides={"dataset": "digits", "limit": 400, "epochs": 3,
                                       "layers": "32", "out": str(out)})
    train_run(config, log=None)
    return out


def test_page_inlines_every_plot_and_loads_nothing(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r"<img src='([^']*)'", page)
    pngs = sorted(p.name for p in run_dir.glob("*.png"))
    assert pngs == ["confusion_matrix.png", "first_layer_weights.png", "history.png",
                    "misclassified.png"]
    assert len(sources) == len(pngs)
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    # Nothing that could reach the network or another file.
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:|//|file:)", page)
    assert "<script" not in page and "<link" not in page
    assert "Content-Security-Policy" in page


def test_page_shows_metrics_config_and_per_class_table(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert f"{metrics['test_accuracy']:.2%}" in page
    assert "Per-class precision and recall" in page and "macro average" in page
    assert "<th class='l'>optimizer</th><td class='l'>adam</td>" in page
    assert "Total params" in page  # the model summary


def test_per_class_figures_match_scikit_learn():
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, 2]
    table = per_class_table(y_true, y_pred, class_names=["a", "b", "c"])
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    for i, name in enumerate("abc"):
        row = (f"<td class='l'>{name}</td><td>{p[i]:.3f}</td><td>{r[i]:.3f}</td>"
               f"<td>{f[i]:.3f}</td><td>{s[i]}</td>")
        assert row in table


def test_everything_from_the_run_is_escaped(tmp_path):
    evil = "<script>alert('x')</script>"
    (tmp_path / "metrics.json").write_text(json.dumps({
        "dataset": evil, "test_accuracy": 0.5, "class_names": [evil, "b&c"],
        "config": {"dataset": evil}, "model_summary": evil, "stopped_reason": evil,
    }))
    (tmp_path / "predictions.csv").write_text("index,true,predicted,confidence\n0,0,1,0.5\n")
    (tmp_path / "history.json").write_text(json.dumps({evil: [1.0]}))
    page = build_report(tmp_path)
    assert "<script>" not in page
    assert html.escape(evil) in page and "b&amp;c" in page


def test_missing_optional_files_leave_sections_out(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps({"test_accuracy": 0.9}))
    (tmp_path / "notes.png").write_bytes(b"not really a png")  # skipped, not inlined
    page = build_report(tmp_path)
    assert "90.00%" in page and "<img" not in page and "Per-class" not in page


def test_not_a_run_directory(tmp_path):
    with pytest.raises(RunDirError, match="no metrics.json"):
        build_report(tmp_path)
    (tmp_path / "metrics.json").write_text("{broken")
    with pytest.raises(RunDirError, match="cannot be read as JSON"):
        build_report(tmp_path)


def test_write_report_to_another_path(run_dir, tmp_path):
    path = write_report(run_dir, tmp_path / "page.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# -- in a browser ---------------------------------------------------------------------

# Injected into a copy of the page only: records script errors, blocked
# loads (content-security-policy violations) and whether each image decoded,
# then writes them into the DOM for --dump-dom to print.
_PROBE = """<script>
window.__probe = {errors: [], violations: []};
window.addEventListener("error", function (e) {
  var what = e.target && e.target.tagName ? "failed to load " + e.target.tagName : e.message;
  window.__probe.errors.push(String(what));
}, true);
document.addEventListener("securitypolicyviolation", function (e) {
  window.__probe.violations.push(e.violatedDirective + " " + e.blockedURI);
});
window.addEventListener("load", function () {
  var images = Array.prototype.map.call(document.images, function (img) {
    return {alt: img.alt, ok: img.complete && img.naturalWidth > 0, width: img.naturalWidth};
  });
  var out = document.createElement("pre");
  out.id = "probe-result";
  out.textContent = JSON.stringify({errors: window.__probe.errors,
                                    violations: window.__probe.violations, images: images});
  document.body.appendChild(out);
});
</script>"""


def _chromium(args, profile, timeout=90):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                    "(apt-get install chromium; .ci/run installs it)")
def test_report_renders_in_headless_chromium(run_dir, tmp_path):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    # The copy's policy also allows the probe's inline script; all else is as shipped.
    probed = page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    probed = probed.replace("<head>", "<head>\n" + _PROBE, 1)
    copy = tmp_path / "probed.html"
    copy.write_text(probed, encoding="utf-8")
    result = _chromium(["--virtual-time-budget=10000", "--dump-dom", copy.as_uri()],
                       tmp_path / "profile-dom")
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', result.stdout, re.S)
    assert found, f"no probe result; chromium said:\n{result.stderr[-2000:]}"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["errors"] == [] and probe["violations"] == []
    assert len(probe["images"]) == 4
    assert all(image["ok"] for image in probe["images"]), probe["images"]

    # A screenshot of the page as shipped, for a person to look at.
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report_screenshot.png"
    result = _chromium([f"--screenshot={shot}", "--window-size=1280,2000",
                        "--hide-scrollbars", (run_dir / "report.html").as_uri()],
                       tmp_path / "profile-shot")
    assert shot.is_file(), result.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        # Not a blank page: the plots and tables put many colours on it.
        assert len(np.unique(np.asarray(image.convert("L")))) > 50
    print(f"report screenshot: {shot}")
    assert os.path.getsize(shot) > 10_000

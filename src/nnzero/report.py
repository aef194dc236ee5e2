"""One self-contained HTML page per training run.

:func:`build_report` reads a run directory (as ``nnzero train`` writes it)
and returns the page; :func:`write_report` saves it as ``report.html``. The
page needs nothing but itself: the plots are inlined as base64 data URIs,
the style sheet is inline, there is no script, and its content security
policy forbids loading anything from anywhere else. Every value taken from
the run is HTML-escaped.

Example
-------
>>> import tempfile
>>> from nnzero.report import build_report
>>> page = build_report(tempfile.mkdtemp())
Traceback (most recent call last):
...
nnzero.report.RunDirError: ... is not a run directory: it has no metrics.json. ...
"""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path

from ._io import atomic_write_bytes
from .errors import InvalidArgumentError

__all__ = ["PLOT_FILES", "RunDirError", "build_report", "per_class_table", "write_report"]

#: The plot files a run may write (:func:`nnzero.runs.write_plots`), each with
#: its caption, in the order the page shows them; any other image in the run
#: directory follows under its file name.
PLOT_FILES = {
    "history.png": "Loss and accuracy per epoch (training and validation)",
    "confusion_matrix.png": "Confusion matrix on the test set",
    "misclassified.png": "Misclassified test images (true → predicted)",
    "first_layer_weights.png": "First-layer weights, one image per hidden unit",
    "decision_boundary.png": "Decision boundary, with the test samples",
    "layer_stats.png": "Per layer: activations, saturated or dead units, gradient norms and "
                       "update-to-weight ratios while training",
    "predicted_vs_true.png": "Predicted against true values on the test set",
}
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"GIF87a": "image/gif", b"GIF89a": "image/gif"}
_MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a run's plots are far smaller; refuse anything huge

_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430;
       background: #f5f6f8; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; border-bottom: 1px solid #d7dbe2; padding-bottom: 4px; }
.sub { color: #5b6575; margin: 0 0 20px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 10px 16px;
        min-width: 130px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: #5b6575; font-size: 13px; }
.note { background: #fff6dc; border: 1px solid #e8d089; border-radius: 6px; padding: 8px 12px; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }
figure { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; margin: 0;
         padding: 10px; }
figure.wide { grid-column: 1 / -1; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { color: #5b6575; font-size: 13px; text-align: center; margin-top: 6px; }
table { border-collapse: collapse; background: #fff; font-size: 14px; }
th, td { border: 1px solid #dde1e7; padding: 4px 10px; text-align: right; }
th { background: #eef0f4; }
td.l, th.l { text-align: left; }
pre { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 10px;
      overflow-x: auto; font-size: 13px; }
.cols { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
"""


class RunDirError(InvalidArgumentError):
    """A directory is not a run directory, or its files cannot be read."""


def write_report(run_dir, path=None) -> Path:
    """Build the page for ``run_dir`` and write it (default ``run_dir/report.html``).

    Returns the path written. The write is atomic.

    Parameters
    ----------
    run_dir : str or path-like
        A run directory written by ``nnzero train``.
    path : str or path-like, optional
        Where to write the page (default ``run_dir/report.html``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    RunDirError
        ``run_dir`` has no readable ``metrics.json``.

    Examples
    --------
    >>> from nnzero.report import write_report
    >>> write_report("runs/mnist")  # doctest: +SKIP
    PosixPath('runs/mnist/report.html')
    """
    run_dir = Path(run_dir)
    path = run_dir / "report.html" if path is None else Path(path)
    atomic_write_bytes(path, build_report(run_dir).encode("utf-8"))
    return path


def build_report(run_dir) -> str:
    """The HTML page of a run directory, as a string.

    Reads ``metrics.json`` (required), ``history.json``,
    ``predictions.csv`` and the PNG/GIF images there; a missing optional file
    leaves its section out.

    Parameters
    ----------
    run_dir : str or path-like
        A run directory written by ``nnzero train``.

    Returns
    -------
    str

    Raises
    ------
    RunDirError
        ``run_dir`` has no readable ``metrics.json``.

    Examples
    --------
    >>> from nnzero.report import build_report
    >>> build_report("runs/mnist").startswith("<!DOCTYPE html>")  # doctest: +SKIP
    True
    """
    run_dir = Path(run_dir)
    metrics = _read_json(run_dir / "metrics.json", required=True)
    if not isinstance(metrics, dict):
        raise RunDirError(f"{run_dir / 'metrics.json'} must hold a JSON object.")
    history = _read_json(run_dir / "history.json", required=False) or {}
    config = metrics.get("config") if isinstance(metrics.get("config"), dict) else {}
    title = f"nnzero run: {metrics.get('dataset') or run_dir.name}"
    parts = [
        f"<h1>{_e(title)}</h1>",
        f"<p class='sub'>{_e(_subtitle(metrics, run_dir))}</p>",
        _cards(metrics),
    ]
    if metrics.get("stopped_reason"):
        parts.append(f"<p class='note'>Training stopped early: {_e(metrics['stopped_reason'])}</p>")
    parts.append(_figures(run_dir))
    tables = []
    regression = metrics.get("task") == "regression"  # no classes to tabulate
    rows = None if regression else _read_predictions(run_dir / "predictions.csv")
    if rows is not None:
        tables.append(("Per-class precision and recall (test set)",
                       per_class_table(*rows, class_names=metrics.get("class_names"))))
    if isinstance(history, dict) and history:
        tables.append(("History", _history_table(history)))
    summary = metrics.get("model_summary")
    details = [("Config", _key_value_table(config))] if config else []
    details.append(("Run", _key_value_table(_run_facts(metrics))))
    for group in (tables, details):
        if group:
            parts.append("<div class='cols'>" + "".join(
                f"<section><h2>{_e(name)}</h2>{table}</section>" for name, table in group)
                + "</div>")
    if summary:
        parts.append(f"<h2>Model</h2><pre>{_e(summary)}</pre>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_POLICY}\">\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def per_class_table(y_true, y_pred, class_names=None) -> str:
    """An HTML table of precision, recall, F1 and support per class.

    Computed with scikit-learn's ``precision_recall_fscore_support`` (0 where
    a class was never predicted), followed by macro and weighted averages.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
        True and predicted class indices.
    class_names : list of str, optional
        Names shown instead of the indices.

    Returns
    -------
    str

    Examples
    --------
    >>> from nnzero.report import per_class_table
    >>> table = per_class_table([0, 1, 1], [0, 1, 0], class_names=["cat", "dog"])
    >>> "<td class='l'>dog</td><td>1.000</td><td>0.500</td>" in table
    True
    """
    from sklearn.metrics import precision_recall_fscore_support

    n = max([*y_true, *y_pred, len(class_names or []) - 1]) + 1
    names = [str(c) for c in (class_names or [])][:n]
    names += [str(i) for i in range(len(names), n)]
    labels = list(range(n))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    rows = [
        f"<tr><td class='l'>{_e(name)}</td><td>{p[i]:.3f}</td><td>{r[i]:.3f}</td>"
        f"<td>{f[i]:.3f}</td><td>{int(s[i])}</td></tr>"
        for i, name in enumerate(names)
    ]
    for average in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0)
        rows.append(f"<tr><th class='l'>{average} average</th><td>{ap:.3f}</td><td>{ar:.3f}</td>"
                    f"<td>{af:.3f}</td><td>{int(sum(s))}</td></tr>")
    head = ("<tr><th class='l'>class</th><th>precision</th><th>recall</th><th>F1</th>"
            "<th>support</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


# -- pieces -----------------------------------------------------------------------

def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _read_json(path, required):
    if not path.is_file():
        if required:
            raise RunDirError(
                f"{str(path.parent)!r} is not a run directory: it has no {path.name}. "
                "Pass the --out directory of a finished `nnzero train`."
            )
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise RunDirError(f"{path} cannot be read as JSON: {err}") from None


def _read_predictions(path):
    if not path.is_file():
        return None
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [int(r["true"]) for r in rows], [int(r["predicted"]) for r in rows]
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError, csv.Error) as err:
        raise RunDirError(f"{path} is not a predictions file (index,true,predicted,...): "
                          f"{err}") from None


def _subtitle(metrics, run_dir) -> str:
    bits = [str(run_dir)]
    if metrics.get("created"):
        bits.append(str(metrics["created"]))
    versions = metrics.get("versions") or {}
    if isinstance(versions, dict) and versions:
        bits.append(", ".join(f"{k} {v}" for k, v in versions.items()))
    return " · ".join(bits)


def _number(value, fmt):
    return format(value, fmt) if isinstance(value, (int, float)) else "–"


def _seconds(value) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _cards(metrics) -> str:
    acc = metrics.get("test_accuracy")
    val = metrics.get("val_accuracy")
    if metrics.get("task") == "regression":
        scores = [("test R²", _number(metrics.get("test_r2"), ".4f")),
                  ("test RMSE", _number(metrics.get("test_rmse"), ".4g"))]
    else:
        scores = [("test accuracy", f"{acc:.2%}" if isinstance(acc, (int, float)) else "–")]
    cards = [
        *scores,
        ("test loss", _number(metrics.get("test_loss"), ".4f")),
        ("validation accuracy", f"{val:.2%}" if isinstance(val, (int, float)) else "–"),
        ("epochs", _number(metrics.get("epochs"), "d")),
        ("training time", _seconds(metrics.get("train_seconds"))),
        ("parameters", _number(metrics.get("parameters"), ",d")),
    ]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><div class='v'>{_e(v)}</div><div class='k'>{_e(k)}</div></div>"
        for k, v in cards) + "</div>"


def _figures(run_dir) -> str:
    names = [n for n in PLOT_FILES if (run_dir / n).is_file()]
    names += sorted(p.name for p in run_dir.iterdir()
                    if p.suffix.lower() in (".png", ".gif") and p.name not in PLOT_FILES)
    figures = []
    for name in names:
        uri = _data_uri(run_dir / name)
        if uri is None:
            continue
        caption = PLOT_FILES.get(name, name)
        wide = " class='wide'" if name == "history.png" else ""
        figures.append(f"<figure{wide}><img src='{uri}' alt='{_e(caption)}'>"
                       f"<figcaption>{_e(caption)}</figcaption></figure>")
    if not figures:
        return ""
    return "<h2>Plots</h2><div class='plots'>" + "".join(figures) + "</div>"


def _data_uri(path):
    """A data URI for a PNG or GIF file, or None for anything else."""
    try:
        if path.stat().st_size > _MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    for magic, mime in _IMAGE_TYPES.items():
        if data.startswith(magic):
            return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return None


def _history_table(history) -> str:
    keys = [k for k, v in history.items() if isinstance(v, list) and k != "learning_rate"]
    n = max((len(history[k]) for k in keys), default=0)
    head = "<tr><th>epoch</th>" + "".join(f"<th>{_e(k)}</th>" for k in keys) + "</tr>"
    rows = []
    for i in range(n):
        cells = []
        for k in keys:
            value = history[k][i] if i < len(history[k]) else None
            cells.append(f"<td>{_e(_number(value, '.2f' if k == 'epoch_time' else '.4f'))}</td>")
        rows.append(f"<tr><td>{i + 1}</td>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _key_value_table(values) -> str:
    rows = "".join(
        f"<tr><th class='l'>{_e(k)}</th><td class='l'>{_e(_show(v))}</td></tr>"
        for k, v in values.items())
    return f"<table>{rows}</table>"


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def _run_facts(metrics) -> dict:
    keys = ("dataset", "data_source", "n_train", "n_val", "n_test", "n_features", "train_loss",
            "train_accuracy", "val_loss", "mean_epoch_seconds", "seed")
    return {k: metrics.get(k) for k in keys if k in metrics}

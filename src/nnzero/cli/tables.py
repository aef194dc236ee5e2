"""``nnzero predict MODEL rows.csv``: what the command does with a table.

The run directory beside MODEL says what the columns are: its
``metrics.json`` holds the feature names the model was trained on, the
target column, the class names and whether the run was a regression. A
model without them (trained in Python, or on a built-in data set) takes
every column of the file, in order, as its features.

Example
-------
>>> from nnzero.cli.tables import is_table
>>> is_table("rows.csv"), is_table("rows.tsv.gz"), is_table("digit.png")
(True, True, False)
"""

from __future__ import annotations

import json
from pathlib import Path

from ..runs.table import predict_table

#: Registered names of the losses that train regressors.
REGRESSION_LOSSES = ("mse", "mean_squared_error")

__all__ = ["TABLE_SUFFIXES", "is_table", "predict_csv", "run_description"]

#: File names ending so are tables, not images.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")


def is_table(path) -> bool:
    """Whether ``path`` names a table (CSV, TSV, gzipped or not), by its name.

    Example
    -------
    >>> from nnzero.cli.tables import is_table
    >>> is_table("DATA.CSV")
    True
    """
    return str(path).lower().endswith(TABLE_SUFFIXES)


def run_description(model_path) -> dict:
    """What the run beside ``model_path`` wrote about its data (``metrics.json``):
    ``feature_names``, ``target``, ``class_names``, ``task`` and the CSV
    ``encoding`` and ``delimiter``; an empty dict when there is no run.

    Example
    -------
    >>> from nnzero.cli.tables import run_description
    >>> run_description("/nonexistent/model.nnz")
    {}
    """
    metrics = Path(model_path).with_name("metrics.json")
    try:
        found = json.loads(metrics.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    config = found.get("config") if isinstance(found.get("config"), dict) else {}
    described = {key: found.get(key) for key in ("feature_names", "target", "class_names",
                                                  "task")}
    described["encoding"] = config.get("encoding")
    described["delimiter"] = config.get("delimiter")
    return {k: v for k, v in described.items() if v is not None}


def predict_csv(model, model_path, csv_path, *, encoding=None, delimiter=None):
    """Predict the rows of ``csv_path`` with ``model`` (loaded from
    ``model_path``); a :class:`~nnzero.runs.table.PredictionTable`.

    ``encoding`` and ``delimiter`` default to what the run used for its own
    CSV file, then to UTF-8 and a delimiter sniffed from the header.

    Example
    -------
    >>> from nnzero.cli.tables import predict_csv
    >>> callable(predict_csv)
    True
    """
    run = run_description(model_path)
    names = run.get("feature_names")
    classes = run.get("class_names")
    return predict_table(
        model, csv_path,
        feature_names=names if isinstance(names, list) else None,
        class_names=classes if isinstance(classes, list) else None,
        target=run.get("target") if isinstance(run.get("target"), str) else None,
        regression=run.get("task") == "regression" or _regression_loss(model, run),
        delimiter=delimiter if delimiter is not None else run.get("delimiter"),
        encoding=encoding or run.get("encoding") or "utf-8",
    )


def _regression_loss(model, run) -> bool:
    """A model without a run's description, compiled with a regression loss:
    its outputs are values, not probabilities."""
    if run.get("task"):
        return False
    loss = getattr(getattr(model, "loss", None), "registered_name", "")
    return loss in REGRESSION_LOSSES

"""A run's CSV file: read in any encoding, delimiter or compression, even
from a pipe, with its column names, and told apart as classes or values.

The target column is named, or given by its index (0 is the first column,
-1 the last; on the command line ``--target 3`` means the column named "3"
when there is one, else the fourth column). With a regression loss
(``mse``) and a numeric target the run is a regression; otherwise the
target holds class labels.

Example
-------
>>> import pathlib, tempfile
>>> from nnzero.runs.csv_data import load_csv_table
>>> path = pathlib.Path(tempfile.mkdtemp()) / "fish.csv"
>>> _ = path.write_text("length;weight;species\\n1.5;2;shark\\n0.5;1;dolphin\\n")
>>> table = load_csv_table(path, "species")
>>> table.feature_names, table.class_names, table.regression
(['length', 'weight'], ['dolphin', 'shark'], False)
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..datasets.textfile import name_original, read_header, readable_twice
from ..errors import InvalidArgumentError, NNZeroError

__all__ = ["REGRESSION_LOSSES", "CsvTable", "load_csv_table", "resolve_target"]

#: Losses that make a numeric CSV target a regression target.
REGRESSION_LOSSES = ("mse", "mean_squared_error")


@dataclass
class CsvTable:
    """A CSV file's features, target and what describes them.

    ``y`` holds class indices (int64) with ``class_names``, or, for a
    regression, the target's values (float32) and no class names.
    """

    x: np.ndarray
    y: np.ndarray
    class_names: list
    feature_names: list
    target: str
    regression: bool


def resolve_target(target, names, path) -> int:
    """The index of the target column among ``names`` (a name, an index, a
    string of digits naming no column but counting one, or ``None``: the last).

    Example
    -------
    >>> from nnzero.runs.csv_data import resolve_target
    >>> names = ["a", "b", "c"]
    >>> resolve_target("b", names, "f.csv"), resolve_target("0", names, "f.csv")
    (1, 0)
    >>> resolve_target(-1, names, "f.csv"), resolve_target(None, names, "f.csv")
    (2, 2)
    """
    if target is None:
        return len(names) - 1
    if isinstance(target, str) and target in names:
        return names.index(target)
    if isinstance(target, str):
        try:
            target = int(target)
        except ValueError:
            return _named(target, names, path)
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise InvalidArgumentError(f"target must be a column name or index. Received: "
                                   f"{target!r}")
    if not -len(names) <= target < len(names):
        raise InvalidArgumentError(
            f"target column {target} is out of range for {path}, which has {len(names)} "
            f"columns ({', '.join(names)}); 0 is the first, -1 the last.")
    return int(target) % len(names)


def _named(target, names, path) -> int:
    import difflib

    close = difflib.get_close_matches(target, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InvalidArgumentError(
        f"{path} has no column named {target!r}.{hint} Columns: {', '.join(names)}.")


def load_csv_table(path, target=None, *, loss="sparse_categorical_crossentropy",
                   encoding="utf-8", delimiter=None) -> CsvTable:
    """Read a run's CSV file (plain, gzip-compressed or a pipe).

    Raises the loader's errors, naming ``path`` (never a temporary copy),
    and :class:`~nnzero.errors.InvalidArgumentError` for a classification
    target of continuous numbers or of a single class.

    Example
    -------
    >>> import gzip, pathlib, tempfile
    >>> from nnzero.runs.csv_data import load_csv_table
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "y.csv.gz"
    >>> _ = path.write_bytes(gzip.compress(b"x,y\\n1,0.5\\n2,1.5\\n"))
    >>> table = load_csv_table(path, 1, loss="mse")
    >>> table.y.tolist(), table.regression, table.target
    ([0.5, 1.5], True, 'y')
    """
    from ..datasets import load_csv

    with readable_twice(path) as readable:
        try:
            names, delimiter = read_header(readable, delimiter, encoding)
            t = resolve_target(target, names, path)
            x, y, class_names = load_csv(readable, target=t, delimiter=delimiter,
                                         encoding=encoding)
        except NNZeroError as err:
            raise name_original(err, readable, path) from None
    y = np.asarray(y)
    feature_names = [n for i, n in enumerate(names) if i != t]
    regression = loss in REGRESSION_LOSSES and class_names is None
    if regression:
        return CsvTable(np.asarray(x, dtype=np.float32), y.astype(np.float32), [],
                        feature_names, names[t], True)
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise InvalidArgumentError(
            f"{path}: the target column {names[t]!r} holds continuous numbers, which are no "
            "class labels. For a regression, pass --loss mse.")
    if class_names is None:
        # Numeric labels: classes are the distinct values, in sorted order.
        values, y = np.unique(y, return_inverse=True)
        class_names = [_label(v) for v in values]
    if len(class_names) < 2:
        raise InvalidArgumentError(
            f"{path}: the target column {names[t]!r} holds a single class; a classifier needs "
            "at least two.")
    return CsvTable(np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64),
                    list(map(str, class_names)), feature_names, names[t], False)


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)

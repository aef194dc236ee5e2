"""Predicting a table: CSV rows in, one row of predictions out for each.

``nnzero predict MODEL rows.csv`` reads the feature columns by name (in any
order, other columns ignored), predicts every data row and writes the row's
number in the file, the predicted label and each class's probability (or
the predicted value, for a regression model): the same numbers as
``model.predict`` on those rows.

Rows are numbered as data rows: the first row after the header is row 1;
blank lines are not counted, as :func:`nnzero.datasets.load_csv` skips
them, so row ``r`` of a file is ``x[r - 1]`` of what ``load_csv`` returns.

Example
-------
>>> import pathlib, tempfile
>>> import nnzero as nz
>>> from nnzero.runs.table import predict_table
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "rows.csv").write_text("id,b,a\\n7,0.5,1\\n8,2,0\\n")
>>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")], seed=0)
>>> model.build((2,))
>>> table = predict_table(model, folder / "rows.csv", feature_names=["a", "b"],
...                       class_names=["no", "yes"])
>>> table.header
['row', 'predicted', 'prob_no', 'prob_yes']
>>> [row[0] for row in table.rows]
[1, 2]
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import math
from dataclasses import dataclass

import numpy as np

from .._io import atomic_write_bytes
from ..datasets.textfile import open_text, sniff_delimiter
from ..errors import DataFormatError, InvalidArgumentError

__all__ = ["PredictionTable", "open_text", "predict_table", "read_features", "sniff_delimiter"]


@dataclass
class PredictionTable:
    """Predictions of a table's rows: a header and one list per data row.

    Example
    -------
    >>> from nnzero.runs.table import PredictionTable
    >>> print(PredictionTable(["row", "predicted"], [[1, "cat"]]).to_csv(), end="")
    row,predicted
    1,cat
    """

    header: list
    rows: list

    def to_csv(self) -> str:
        """The table as CSV text."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue()

    def write(self, path) -> None:
        """Write the table to ``path`` atomically (a symbolic link is kept)."""
        atomic_write_bytes(path, self.to_csv().encode("utf-8"), error=InvalidArgumentError)


def read_features(path, feature_names=None, *, n_features=None, target=None,
                  delimiter=None, encoding="utf-8"):
    """Read the feature columns of a CSV file with a header row.

    With ``feature_names``, those columns are taken by name, in that order,
    wherever they are in the file; other columns are ignored. Without, every
    column but ``target`` is a feature, in the file's order, and there must
    be ``n_features`` of them when that is given.

    Returns ``(x, rows, targets)``: float64 features, the data-row numbers
    (1 = the first row after the header) and the ``target`` column's cells
    as text (``None`` when the file has no such column).

    Raises
    ------
    InvalidArgumentError
        A feature column is missing (the message names it and the closest
        column there is), or the file has the wrong number of columns.
    DataFormatError
        A cell is not a finite number, a row has too few fields, or the file
        is not text in ``encoding``; the message names the line and column.

    Example
    -------
    >>> import pathlib, tempfile
    >>> from nnzero.runs.table import read_features
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rows.csv"
    >>> _ = path.write_text("b,label,a\\n1,x,2\\n\\n3,y,4\\n")
    >>> x, rows, targets = read_features(path, ["a", "b"], target="label")
    >>> x.tolist(), rows, targets
    ([[2.0, 1.0], [4.0, 3.0]], [1, 2], ['x', 'y'])
    """
    if delimiter is not None:
        sniff_delimiter("", delimiter)  # a bad delimiter fails before the file is opened
    try:
        with open_text(path, encoding) as f:
            return _read(f, str(path), feature_names, n_features, target, delimiter)
    except UnicodeDecodeError as err:
        raise DataFormatError(
            f"{path} is not {encoding} text (byte {err.start} cannot be decoded). Pass "
            "--encoding if it uses another text encoding.") from None
    except (gzip.BadGzipFile, EOFError) as err:
        raise DataFormatError(f"{path} is not a valid gzip file: {err}") from None
    except csv.Error as err:
        raise DataFormatError(f"{path} is not valid CSV: {err}") from None


def _read(f, path, feature_names, n_features, target, delimiter):
    header_line = ""
    for header_line in f:
        if header_line.strip():
            break
    if not header_line.strip():
        raise DataFormatError(f"{path} is empty: expected a header row and data rows.")
    delimiter = sniff_delimiter(header_line, delimiter)
    names = [name.strip() for name in next(csv.reader([header_line], delimiter=delimiter))]
    columns = _columns(names, feature_names, n_features, target, path)
    t = names.index(target) if target is not None and target in names else None
    reader = csv.reader(f, delimiter=delimiter)
    x, rows, targets = [], [], []
    line = 1
    for cells in reader:
        line = reader.line_num + 1  # the header line was read before the reader started
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) != len(names):
            raise DataFormatError(f"{path}, line {line}: {len(cells)} fields, but the header "
                                  f"has {len(names)}.")
        x.append([_number(cells[c], names[c], path, line) for c in columns])
        rows.append(len(rows) + 1)
        if t is not None:
            targets.append(cells[t].strip())
    if not rows:
        raise DataFormatError(f"{path} has a header row but no data rows.")
    return np.asarray(x, dtype=np.float64), rows, (targets if t is not None else None)


def _columns(names, feature_names, n_features, target, path):
    if feature_names is None:
        columns = [i for i, name in enumerate(names) if name != target]
        if n_features is not None and len(columns) != n_features:
            raise InvalidArgumentError(
                f"{path} has {len(columns)} feature columns ({', '.join(names[i] for i in columns)}"
                f"), but the model takes {n_features} features.")
        return columns
    missing = [name for name in feature_names if name not in names]
    if missing:
        hints = []
        for name in missing[:3]:
            close = difflib.get_close_matches(name, names, n=1)
            hints.append(f"{name!r}" + (f" (is {close[0]!r} it?)" if close else ""))
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InvalidArgumentError(
            f"{path} lacks the feature column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(hints)}{more} that the model was trained on. Columns there: "
            f"{', '.join(names)}.")
    return [names.index(name) for name in feature_names]


def _number(cell, name, path, line):
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataFormatError(f"{path}, line {line}: column {name!r} holds {text!r}, not a "
                              "finite number.")
    return value


def predict_table(model, path, *, feature_names=None, class_names=None, target=None,
                  regression=False, delimiter=None, encoding="utf-8") -> PredictionTable:
    """Predict every data row of the CSV file ``path`` with ``model``.

    Columns of the result: ``row`` (the data row's number), ``true`` when
    the file has the ``target`` column, then either ``predicted`` (the class
    name) and ``prob_<class>`` for every class, or, with ``regression``,
    ``predicted`` (one column per output). Numbers are written in the
    shortest form that reads back as the same value of the model's dtype.

    Example
    -------
    >>> import pathlib, tempfile
    >>> import nnzero as nz
    >>> from nnzero.runs.table import predict_table
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rows.csv"
    >>> _ = path.write_text("a\\n1\\n2\\n")
    >>> model = nz.Sequential([nz.layers.Dense(1)], seed=0)
    >>> model.build((1,))
    >>> predict_table(model, path, regression=True).header
    ['row', 'predicted']
    """
    width = model.input_shape[0] if model.built and len(model.input_shape) == 1 else None
    if feature_names is not None and width is not None and len(feature_names) != width:
        raise InvalidArgumentError(f"{len(feature_names)} feature names given for a model of "
                                   f"{width} inputs.")
    x, rows, targets = read_features(path, feature_names, n_features=width, target=target,
                                     delimiter=delimiter, encoding=encoding)
    x = x.astype(model.dtype)
    first = [["row", *(["true"] if targets is not None else [])]]
    keys = [[r, *([targets[i]] if targets is not None else [])] for i, r in enumerate(rows)]
    if regression:
        out = model.predict(x)
        names = ["predicted"] if out.shape[1] == 1 else [f"predicted_{j}" for j in
                                                         range(out.shape[1])]
        return PredictionTable(first[0] + names,
                               [k + [_short(v) for v in o] for k, o in zip(keys, out,
                                                                          strict=True)])
    probabilities = model.predict_proba(x)
    if probabilities.shape[1] == 1:  # one sigmoid unit: the probability of class 1
        probabilities = np.hstack([1 - probabilities, probabilities])
    n = probabilities.shape[1]
    labels = [str(c) for c in class_names] if class_names and len(class_names) == n else [
        str(j) for j in range(n)]
    best = model.predict_classes(x)
    header = first[0] + ["predicted"] + [f"prob_{name}" for name in labels]
    body = [k + [labels[int(b)]] + [_short(v) for v in p]
            for k, b, p in zip(keys, best, probabilities, strict=True)]
    return PredictionTable(header, body)


def _short(value) -> str:
    # Shortest text that reads back as exactly this float32/float64 value.
    return str(value)  # NumPy scalars print their shortest round-trip form

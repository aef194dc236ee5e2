"""The user's own data from a CSV file: numeric features and one target column.

Example
-------
>>> import pathlib, tempfile
>>> from nnzero.datasets import load_csv
>>> path = pathlib.Path(tempfile.mkdtemp()) / "fish.csv"
>>> _ = path.write_text("length,weight,species\\n1.5,2,shark\\n0.5,1,dolphin\\n")
>>> x, y, class_names = load_csv(path, target="species")
>>> x.tolist(), y.tolist(), class_names
([[1.5, 2.0], [0.5, 1.0]], [1, 0], ['dolphin', 'shark'])
"""

from __future__ import annotations

import codecs
import csv
import difflib
import math
import numbers
from pathlib import Path

import numpy as np

from nnzero._validation import check_bool
from nnzero.errors import (
    DataFormatError,
    DatasetNotFoundError,
    InvalidArgumentError,
    InvalidTypeError,
)

__all__ = ["load_csv"]

# Rows are converted to arrays in chunks, so a large file never exists as one
# Python list of strings (tens of bytes per cell) in memory.
_CHUNK_ROWS = 8192
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
# Label texts that parse as floats but are no class or target value.
_NON_FINITE = {"nan", "inf", "infinity"}


def load_csv(
    path,
    target=None,
    *,
    delimiter=None,
    header=True,
    encode_labels="auto",
    encoding="utf-8",
):
    """Read a CSV file into ``(x, y, class_names)``.

    Every column except the target is a feature and must hold numbers. The
    target may hold anything: text labels are encoded as int64 class indices
    in sorted order and their names returned; integer labels come back as
    int64 unchanged, other numbers as float32 (regression targets).

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8; a byte-order mark is ignored).
    target : str, int or None
        Name of the target column (with a header row) or its index; negative
        indices count from the end. ``None`` takes the last column.
    delimiter : str or None
        Field separator; ``None`` detects one of ``, ; tab |`` from the file.
    header : bool, default True
        Whether the first non-blank row names the columns. Without one the
        columns are named "0", "1", ...
    encode_labels : "auto", True or False
        ``"auto"`` encodes text labels only; ``True`` also encodes numeric
        labels (e.g. ``-1``/``1`` become ``0``/``1`` with their names kept);
        ``False`` never encodes, so text labels are an error.
    encoding : str, default "utf-8"
        Text encoding of the file.

    Returns
    -------
    x : ndarray of float32, shape (n_rows, n_features)
    y : ndarray of int64 (classes) or float32 (numbers), shape (n_rows,)
    class_names : list of str, or None when the labels were not encoded

    Raises
    ------
    DatasetNotFoundError
        The file does not exist.
    DataFormatError
        The file is empty, has no data rows, rows of different lengths,
        duplicate column names, or a feature or label cell that cannot be
        used; the message names the line and the column.
    InvalidArgumentError
        ``target`` names no column (the message lists them and suggests the
        closest), or another argument is invalid.

    Example
    -------
    >>> import pathlib, tempfile
    >>> from nnzero.datasets import load_csv
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = path.write_text("a;b;label\\n0;1;1\\n2;3;0\\n")
    >>> x, y, names = load_csv(path, target="label")
    >>> x.shape, y.dtype, names
    ((2, 2), dtype('int64'), None)
    """
    path = _check_path(path)
    if isinstance(encode_labels, np.bool_):
        encode_labels = bool(encode_labels)  # NumPy's booleans count, as in check_bool
    if not (isinstance(encode_labels, bool) or encode_labels == "auto"):
        raise InvalidArgumentError(
            "`encode_labels` must be 'auto', True or False. "
            f"Received: encode_labels={encode_labels!r}"
        )
    header = check_bool(header, "header")
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise InvalidArgumentError(
            f"Unknown text encoding. Received: encoding={encoding!r}"
        ) from None
    if encoding.lower().replace("-", "").replace("_", "") == "utf8":
        encoding = "utf-8-sig"  # drops a byte-order mark that would stick to the first name

    try:
        with open(path, newline="", encoding=encoding) as f:
            return _read(f, path, target, delimiter, header, encode_labels)
    except UnicodeDecodeError as err:
        raise DataFormatError(
            f"{path} is not {encoding.removesuffix('-sig')} text (byte {err.start} cannot be "
            "decoded). Is it a CSV file? Pass encoding=... if it uses another text encoding."
        ) from None
    except csv.Error as err:
        raise DataFormatError(f"{path} is not valid CSV: {err}") from None


def _check_path(path) -> Path:
    if not isinstance(path, (str, Path)):
        raise InvalidTypeError(
            f"`path` must be a file path (str or Path). Received: {path!r} "
            f"of type {type(path).__name__}"
        )
    path = Path(path)
    if not path.exists():
        raise DatasetNotFoundError(f"CSV file not found: {path}")
    if path.is_dir():
        raise InvalidArgumentError(f"`path` must be a CSV file, not a directory. Received: {path}")
    return path


def _read(f, path, target, delimiter, header, encode_labels):
    sample = f.read(_SNIFF_BYTES)
    f.seek(0)
    delimiter = _delimiter(sample, delimiter)
    reader = csv.reader(f, delimiter=delimiter)
    first = _next_row(reader, path)
    if header:
        names = [name.strip() for name in first]
        _check_unique(names, path)
        pending = []
        header_line = reader.line_num
    else:
        names = [str(i) for i in range(len(first))]
        pending = [(reader.line_num, first)]
        header_line = None
    if len(names) < 2:
        raise DataFormatError(
            f"{path} has a single column; it needs at least one feature column and a "
            f"target column. The delimiter used was {delimiter!r}; pass delimiter=... if the "
            "file uses another."
        )
    t = _target_index(target, names, path)
    features = [i for i in range(len(names)) if i != t]

    x_chunks, labels = [], []
    rows = pending
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines carry no sample
        rows.append((reader.line_num, row))
        if len(rows) >= _CHUNK_ROWS:
            x_chunks.append(_convert(rows, names, features, t, labels, path, header_line))
            rows = []
    if rows:
        x_chunks.append(_convert(rows, names, features, t, labels, path, header_line))
    if not x_chunks:
        raise DataFormatError(f"{path} has a header row but no data rows.")
    x = np.concatenate(x_chunks)
    y, class_names = _encode_labels(labels, names[t], encode_labels, path)
    return x, y, class_names


def _delimiter(sample: str, delimiter) -> str:
    if delimiter is not None:
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\"\r\n":
            raise InvalidArgumentError(
                f"`delimiter` must be one character other than a quote or newline. "
                f"Received: delimiter={delimiter!r}"
            )
        return delimiter
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","  # one column, or too little text to tell


def _next_row(reader, path):
    for row in reader:
        if row and not (len(row) == 1 and not row[0].strip()):
            return row
    raise DataFormatError(f"{path} is empty: expected a header row and data rows.")


def _check_unique(names, path) -> None:
    seen = set()
    for i, name in enumerate(names):
        if not name:
            raise DataFormatError(f"{path}: column {i + 1} of the header row has no name.")
        if name in seen:
            raise DataFormatError(
                f"{path}: the header names column {name!r} twice; column names must be unique."
            )
        seen.add(name)


def _target_index(target, names, path) -> int:
    if target is None:
        return len(names) - 1
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not -len(names) <= target < len(names):
            raise InvalidArgumentError(
                f"`target` index {target} is out of range for {path}, which has "
                f"{len(names)} columns."
            )
        return int(target) % len(names)
    if not isinstance(target, str):
        raise InvalidTypeError(
            f"`target` must be a column name, a column index or None. Received: {target!r}"
        )
    if target in names:
        return names.index(target)
    close = difflib.get_close_matches(target, names, n=1)
    if not close:  # case slips are the commonest mistake and difflib may miss short names
        close = [n for n in names if n.lower() == target.lower()][:1]
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InvalidArgumentError(
        f"{path} has no column named {target!r}.{hint} Columns: {', '.join(names)}."
    )


def _convert(rows, names, features, t, labels, path, header_line):
    """Float32 features of a chunk of ``(line_number, cells)`` rows; labels
    are appended to ``labels``."""
    width = len(names)
    for line, row in rows:
        if len(row) != width:
            source = f"the header (line {header_line})" if header_line else "the first row"
            raise DataFormatError(
                f"{path}, line {line}: {len(row)} fields, but {source} has {width}."
            )
    cells = [[row[i] for i in features] for _, row in rows]
    try:
        # One vectorised conversion; a failure is rare and then located below.
        x = np.array(cells, dtype=np.float64)
    except ValueError:
        _raise_bad_cell(rows, names, features, path)
    if not np.isfinite(x).all():
        r, c = np.argwhere(~np.isfinite(x))[0]
        line, row = rows[r]
        raise DataFormatError(
            f"{path}, line {line}: column {names[features[c]]!r} holds "
            f"{row[features[c]].strip()!r}, not a finite number."
        )
    for line, row in rows:
        label = row[t].strip()
        if not label:
            raise DataFormatError(
                f"{path}, line {line}: the target column {names[t]!r} is empty (missing label)."
            )
        if label.lower().lstrip("+-") in _NON_FINITE:
            raise DataFormatError(
                f"{path}, line {line}: the target column {names[t]!r} holds {label!r}, a missing "
                "or infinite value rather than a label."
            )
        labels.append(label)
    with np.errstate(over="ignore", under="ignore"):  # checked just below
        x32 = x.astype(np.float32)
    if not np.isfinite(x32).all():
        r, c = np.argwhere(~np.isfinite(x32))[0]
        line, row = rows[r]
        raise DataFormatError(
            f"{path}, line {line}: column {names[features[c]]!r} holds "
            f"{row[features[c]].strip()!r}, beyond the range of float32."
        )
    return x32


def _raise_bad_cell(rows, names, features, path):
    for line, row in rows:
        for i in features:
            cell = row[i].strip()
            try:
                float(cell)
            except ValueError:
                what = "is empty (missing value)" if not cell else f"holds {cell!r}, not a number"
                raise DataFormatError(
                    f"{path}, line {line}: column {names[i]!r} {what}. Feature columns must "
                    "be numeric; only the target column may hold text."
                ) from None
    raise DataFormatError(f"{path}: a feature cell is not a number.")  # pragma: no cover


def _encode_labels(labels, target_name, encode_labels, path):
    values = _as_numbers(labels)
    if values is None:
        if encode_labels is False:
            bad = next(label for label in labels if _as_float(label) is None)
            raise DataFormatError(
                f"{path}, column {target_name!r}: label {bad!r} is not a number and "
                "encode_labels=False."
            )
        names = sorted(set(labels))
        index = {name: i for i, name in enumerate(names)}
        return np.array([index[label] for label in labels], dtype=np.int64), names
    if encode_labels is True:
        # Numeric classes sort by value (2 before 10) and keep their text form.
        distinct = sorted(set(values))
        index = {v: i for i, v in enumerate(distinct)}
        names = [_format_number(v) for v in distinct]
        return np.array([index[v] for v in values], dtype=np.int64), names
    if all(v.is_integer() and -(2**63) <= v < 2**63 for v in values):
        return np.array([int(v) for v in values], dtype=np.int64), None
    with np.errstate(over="ignore", under="ignore"):  # checked just below
        targets = np.array(values, dtype=np.float32)
    if not np.isfinite(targets).all():
        bad = labels[int(np.argmin(np.isfinite(targets)))]
        raise DataFormatError(
            f"{path}, column {target_name!r}: label {bad!r} is beyond the range of float32."
        )
    return targets, None


def _as_float(text: str):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _as_numbers(labels):
    """The labels as floats, or None if any is not a finite number."""
    values = []
    for label in labels:
        value = _as_float(label)
        if value is None:
            return None
        values.append(value)
    return values


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)

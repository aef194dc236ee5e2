"""Reading a text data file once, from the start: plain or gzip-compressed, any encoding.

A file given as ``--csv`` may be a pipe (``<(zcat data.csv.gz)``) or a
gzip-compressed file; both are read here in one pass, the compression told
by the file's first bytes rather than its name.

Example
-------
>>> from nnzero.datasets.textfile import sniff_delimiter
>>> sniff_delimiter("a;b;c")
';'
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
from pathlib import Path

from ..errors import DatasetNotFoundError, InvalidArgumentError

__all__ = ["is_gzip", "open_text", "sniff_delimiter"]

_DELIMITERS = ",;\t|"
_GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(buffered) -> bool:
    """Whether a buffered binary stream starts with gzip's magic bytes
    (peeked, not consumed).

    Example
    -------
    >>> import gzip, io
    >>> from nnzero.datasets.textfile import is_gzip
    >>> is_gzip(io.BufferedReader(io.BytesIO(gzip.compress(b"x"))))
    True
    """
    return buffered.peek(2)[:2] == _GZIP_MAGIC


def open_text(path, encoding: str = "utf-8"):
    """Open a CSV file as text: plain or gzip-compressed (told by its first
    bytes, not its name), read once from the start, so that a pipe works too.

    Example
    -------
    >>> import gzip, pathlib, tempfile
    >>> from nnzero.datasets.textfile import open_text
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv.gz"
    >>> _ = path.write_bytes(gzip.compress(b"x,y\\n1,2\\n"))
    >>> with open_text(path) as f:
    ...     f.read()
    'x,y\\n1,2\\n'
    """
    path = Path(os.fspath(path))
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise InvalidArgumentError(f"Unknown text encoding. Received: encoding={encoding!r}"
                                   ) from None
    if encoding.lower().replace("-", "").replace("_", "") == "utf8":
        encoding = "utf-8-sig"  # a byte-order mark would stick to the first name
    try:
        raw = open(path, "rb")  # noqa: SIM115 - handed to the caller's with block
    except FileNotFoundError:
        raise DatasetNotFoundError(f"CSV file not found: {path}") from None
    except IsADirectoryError:
        raise InvalidArgumentError(f"{path} is a directory, not a CSV file.") from None
    except OSError as err:
        raise InvalidArgumentError(f"Cannot read {path}: {err.strerror or err}.") from None
    buffered = io.BufferedReader(raw) if not isinstance(raw, io.BufferedReader) else raw
    binary = gzip.GzipFile(fileobj=buffered) if is_gzip(buffered) else buffered
    return io.TextIOWrapper(binary, encoding=encoding, newline="")


def sniff_delimiter(line: str, delimiter=None) -> str:
    """The field separator: ``delimiter`` when given, else the one of
    ``, ; tab |`` that the header ``line`` holds most often (``,`` if none).

    Example
    -------
    >>> from nnzero.datasets.textfile import sniff_delimiter
    >>> sniff_delimiter("a;b;c"), sniff_delimiter("abc")
    (';', ',')
    """
    if delimiter is not None:
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\"\r\n":
            raise InvalidArgumentError(
                "`delimiter` must be one character other than a quote or newline. "
                f"Received: delimiter={delimiter!r}")
        return delimiter
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","



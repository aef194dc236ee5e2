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
import contextlib
import gzip
import io
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ..errors import DataFormatError, DatasetNotFoundError, InvalidArgumentError

__all__ = ["is_gzip", "name_original", "open_text", "read_header", "readable_twice",
           "sniff_delimiter"]

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




def read_header(path, delimiter=None, encoding: str = "utf-8") -> tuple[list[str], str]:
    """The column names of a CSV file's first non-blank line, and its delimiter.

    Example
    -------
    >>> import pathlib, tempfile
    >>> from nnzero.datasets.textfile import read_header
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_text("\\n x ;y\\n1;2\\n")
    >>> read_header(path)
    (['x', 'y'], ';')
    """
    import csv

    with open_text(path, encoding) as f:
        try:
            line = next((line for line in f if line.strip()), "")
        except UnicodeDecodeError as err:
            raise DataFormatError(
                f"{path} is not {encoding} text (byte {err.start} cannot be decoded). Pass "
                "--encoding if it uses another text encoding.") from None
        except (gzip.BadGzipFile, EOFError) as err:
            raise DataFormatError(f"{path} is not a valid gzip file: {err}") from None
    if not line:
        raise DataFormatError(f"{path} is empty: expected a header row and data rows.")
    delimiter = sniff_delimiter(line, delimiter)
    names = next(csv.reader([line], delimiter=delimiter))
    return [name.strip() for name in names], delimiter


@contextlib.contextmanager
def readable_twice(path):
    """A path to plain text that can be opened more than once: ``path``
    itself when it is a regular, uncompressed file, else (a pipe,
    ``/dev/stdin``, a gzip-compressed file) a temporary copy of its text,
    removed on leaving. Errors that name the copy should be reworded with
    :func:`name_original`.

    Example
    -------
    >>> from nnzero.datasets.textfile import readable_twice
    >>> with readable_twice(__file__) as path:
    ...     path == __file__
    True
    """
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        regular = True  # let the reader say what is wrong with it
    if regular:
        try:
            with open(path, "rb") as f:
                compressed = f.read(2) == _GZIP_MAGIC
        except OSError:
            compressed = False
        if not compressed:
            yield path
            return
    fd, copy = tempfile.mkstemp(prefix="nnzero-", suffix=".data")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as raw:
            source = io.BufferedReader(raw)
            try:
                shutil.copyfileobj(gzip.GzipFile(fileobj=source) if is_gzip(source)
                                   else source, out)
            except (gzip.BadGzipFile, EOFError) as err:
                raise DataFormatError(f"{path} is not a valid gzip file: {err}") from None
        yield copy
    finally:
        with contextlib.suppress(OSError):
            os.unlink(copy)


def name_original(err: Exception, copy, original) -> Exception:
    """``err`` with the temporary copy's path replaced by the original's.

    Example
    -------
    >>> from nnzero.datasets.textfile import name_original
    >>> str(name_original(ValueError("/tmp/x: bad"), "/tmp/x", "/dev/fd/3"))
    '/dev/fd/3: bad'
    """
    if str(copy) == str(original) or str(copy) not in str(err):
        return err
    return type(err)(str(err).replace(str(copy), str(original)))

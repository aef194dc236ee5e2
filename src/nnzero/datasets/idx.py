"""Reader for IDX files, the format of MNIST and its relatives.

An IDX file is a header followed by a C-order array of big-endian numbers::

    0x00 0x00 <dtype code> <ndim>        magic: two zero bytes, type, rank
    <dim 0> ... <dim ndim-1>             one big-endian uint32 per axis
    <data>                               prod(dims) * itemsize bytes

Files may be stored raw or gzipped; gzip is told apart by its magic bytes,
not by the file name. The header is checked before the payload is read, so a
file whose header is wrong, or which claims more data than it can hold,
fails with :class:`~nnzero.errors.DataFormatError` before any large
allocation.

Example
-------
>>> import gzip, os, tempfile
>>> import numpy as np
>>> from nnzero.datasets.idx import read_idx
>>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte.gz")
>>> with gzip.open(path, "wb") as f:
...     _ = f.write(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
>>> read_idx(path)
array([7, 8, 9], dtype=uint8)
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from nnzero.errors import DataFormatError

__all__ = ["IDX_DTYPES", "MAX_IDX_BYTES", "read_idx"]

#: IDX type codes and the big-endian NumPy dtypes they stand for.
IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: Default refusal threshold for a payload. The largest MNIST-style set in
#: common use (EMNIST ByClass, ~550 MB) fits; a forged header does not.
MAX_IDX_BYTES = 1 << 30

# DEFLATE cannot expand data by more than about 1032:1, so a gzip file that
# claims more than this many bytes per compressed byte must be lying.
_DEFLATE_MAX_RATIO = 1032
_GZIP_MAGIC = b"\x1f\x8b"
# NumPy 1 arrays have at most 32 axes (NumPy 2: 64); real IDX files have 1 to 4.
_MAX_DIMS = 32
_CHUNK = 1 << 20


def read_idx(
    path: str | os.PathLike,
    *,
    sha256: str | None = None,
    max_bytes: int = MAX_IDX_BYTES,
) -> np.ndarray:
    """Read one IDX file (raw or gzipped) into a native-endian array.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    sha256 : str, optional
        Expected SHA-256 (hex) of the *decompressed* content, so a
        re-compressed copy of a file still matches while an altered one does
        not.
    max_bytes : int, default ``MAX_IDX_BYTES``
        Largest payload the header may claim; larger claims are refused
        before anything is allocated.

    Returns
    -------
    numpy.ndarray
        Array with the shape and type the header declares.

    Raises
    ------
    DataFormatError
        Wrong magic, unknown type code, a payload that is shorter or longer
        than the header says, a corrupt gzip stream, or a checksum mismatch.

    Example
    -------
    >>> import os, tempfile
    >>> from nnzero.datasets.idx import read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "pair-idx2-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 0x08, 2, 0, 0, 0, 1, 0, 0, 0, 2, 5, 6]))
    >>> read_idx(path).tolist()
    [[5, 6]]
    """
    path = Path(path)
    file_size = path.stat().st_size
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        try:
            if compressed:
                with gzip.GzipFile(fileobj=raw) as stream:
                    return _read_stream(stream, path, file_size, compressed, sha256, max_bytes)
            return _read_stream(raw, path, file_size, compressed, sha256, max_bytes)
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            raise DataFormatError(f"{path}: corrupt gzip stream ({err})") from err


def _read_stream(stream, path, file_size, compressed, sha256, max_bytes):
    digest = hashlib.sha256()
    magic = _read_exact(stream, 4, path, "header")
    if magic[:2] != b"\x00\x00":
        raise DataFormatError(
            f"{path}: not an IDX file (magic bytes {magic.hex()}, expected 0000 then "
            "a type code and a rank)"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DataFormatError(f"{path}: unsupported IDX type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise DataFormatError(f"{path}: IDX header declares zero dimensions")
    if ndim > _MAX_DIMS:
        raise DataFormatError(
            f"{path}: IDX header declares {ndim} dimensions; at most {_MAX_DIMS} are supported"
        )
    dims_bytes = _read_exact(stream, 4 * ndim, path, "header")
    digest.update(magic + dims_bytes)
    shape = struct.unpack(f">{ndim}I", dims_bytes)
    dtype = IDX_DTYPES[code]
    header_size = 4 + 4 * ndim
    # Python ints do not overflow, so a forged header cannot wrap this around.
    payload = math.prod(shape) * dtype.itemsize
    if math.prod(d for d in shape if d) * dtype.itemsize > np.iinfo(np.intp).max:
        # Even with no data (a zero among the sizes) NumPy refuses such a shape.
        raise DataFormatError(f"{path}: header declares shape {shape}, too large for any array")
    _check_claim(path, shape, payload, header_size, file_size, compressed, max_bytes)

    buf = bytearray(payload)
    view = memoryview(buf)
    filled = 0
    while filled < payload:
        got = stream.readinto(view[filled : filled + _CHUNK])
        if not got:
            raise DataFormatError(
                f"{path}: truncated: header declares shape {shape} ({payload} bytes of data) "
                f"but the file ends after {filled}"
            )
        filled += got
    # Reading one byte past the claimed end is the decompression cap: a gzip
    # bomb behind a small header is never inflated beyond this point.
    if stream.read(1):
        raise DataFormatError(
            f"{path}: trailing data after the {payload} bytes that shape {shape} needs"
        )
    digest.update(view)
    if sha256 is not None and digest.hexdigest() != sha256.lower():
        raise DataFormatError(
            f"{path}: SHA-256 of the decompressed content is {digest.hexdigest()}, "
            f"expected {sha256.lower()}; the file is damaged or not the expected one"
        )
    array = np.frombuffer(buf, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _check_claim(path, shape, payload, header_size, file_size, compressed, max_bytes):
    """Refuse a header whose claim cannot be true, before allocating for it."""
    if payload > max_bytes:
        raise DataFormatError(
            f"{path}: header declares shape {shape} ({payload} bytes), more than the "
            f"limit of {max_bytes} bytes (raise max_bytes if this is intended)"
        )
    if not compressed and file_size != header_size + payload:
        kind = "truncated" if file_size < header_size + payload else "trailing data"
        raise DataFormatError(
            f"{path}: {kind}: header declares shape {shape} ({header_size + payload} bytes "
            f"in all) but the file has {file_size} bytes"
        )
    if compressed and header_size + payload > file_size * _DEFLATE_MAX_RATIO:
        raise DataFormatError(
            f"{path}: truncated: header declares shape {shape} ({payload} bytes), more than "
            f"a {file_size}-byte gzip file can hold"
        )


def _read_exact(stream, size, path, what):
    data = stream.read(size)
    if len(data) != size:
        raise DataFormatError(f"{path}: truncated {what} ({len(data)} of {size} bytes)")
    return data

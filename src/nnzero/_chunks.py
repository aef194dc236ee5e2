"""Big arrays, a block of rows at a time, and memory-mapped files without
filling memory.

Pages of a memory-mapped file count in the process's resident memory once
read, until the kernel needs them back; a pass over a file larger than the
machine's memory would fill it. :func:`release` tells the kernel that a
block already read is not needed for now (the data stays in the file and in
the page cache, and is read again on the next access), so that training
from a ``numpy.memmap`` keeps only a few blocks resident.

Example
-------
>>> import numpy as np
>>> from nnzero._chunks import all_finite, row_blocks
>>> x = np.ones((10, 3))
>>> [len(b) for b in row_blocks(x, rows=4)]
[4, 4, 2]
>>> all_finite(x)
True
"""

from __future__ import annotations

import mmap

import numpy as np

#: Bytes per block of rows: large enough that per-block overhead is noise,
#: small enough to stay a few of them in cache-friendly, resident memory.
BLOCK_BYTES = 16 * 2**20
_PAGE = mmap.PAGESIZE
# numpy.memmap modes whose pages are shared with the file: dropping them
# loses nothing. ("c" is copy-on-write: its changes exist only in memory.)
_SHARED_MODES = ("r", "r+", "w+")


def rows_per_block(x: np.ndarray, multiple: int = 1) -> int:
    """Rows of ``x`` in about :data:`BLOCK_BYTES`, rounded down to a multiple
    of ``multiple`` (at least ``multiple``)."""
    row = max(x[:1].nbytes, 1)
    return max(BLOCK_BYTES // row // multiple, 1) * multiple


def row_blocks(x: np.ndarray, rows: int | None = None):
    """Consecutive blocks of rows of ``x`` (views)."""
    rows = rows or rows_per_block(x)
    for start in range(0, len(x), rows):
        yield x[start : start + rows]


def memmap_of(x) -> np.memmap | None:
    """The shared ``numpy.memmap`` that ``x`` is a view of, or ``None``."""
    a = x
    while isinstance(a, np.ndarray):
        if isinstance(a, np.memmap) and isinstance(getattr(a, "_mmap", None), mmap.mmap):
            return a if a.mode in _SHARED_MODES else None
        a = a.base
    return None


def release(block: np.ndarray) -> None:
    """Drop the whole pages under ``block`` from this process's memory when
    it is part of a shared memory-mapped file; otherwise do nothing."""
    owner = memmap_of(block)
    advise = getattr(mmap, "MADV_DONTNEED", None)
    if owner is None or advise is None or not block.flags.c_contiguous:
        return
    mapping = owner._mmap  # numpy.memmap keeps its mmap.mmap there
    start = block.__array_interface__["data"][0] - _mapping_address(mapping)
    first = -(-start // _PAGE) * _PAGE  # only pages wholly inside the block
    last = (start + block.nbytes) // _PAGE * _PAGE
    if last > first:
        mapping.madvise(advise, first, last - first)


def _mapping_address(mapping: mmap.mmap) -> int:
    # A zero-copy view of the mapping's first byte gives its address.
    return np.frombuffer(mapping, dtype=np.uint8, count=1).__array_interface__["data"][0]


def all_finite(x: np.ndarray) -> bool:
    """``np.isfinite(x).all()``, a block of rows at a time: no temporary the
    size of ``x``, and a memory-mapped ``x`` does not stay resident."""
    if x.dtype.kind != "f":
        return True
    if x.nbytes <= BLOCK_BYTES or x.ndim == 0:
        return bool(np.isfinite(x).all())
    mapped = memmap_of(x) is not None
    for block in row_blocks(x):
        ok = bool(np.isfinite(block).all())
        if mapped:
            release(block)
        if not ok:
            return False
    return True

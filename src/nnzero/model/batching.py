"""The batches of one training epoch.

In memory, the epoch's order is one permutation of the samples, and each
batch is gathered into one reused buffer just before it is used: no copy of
the whole data set per epoch (which would double the memory needed and, for
a fresh array, fault in every page of it again), and the batch is in cache
for its first product. A batch of one is a view of its row, copying nothing.

A memory-mapped ``x`` (``numpy.memmap``, ``np.load(mmap_mode="r")``) may be
larger than the machine's memory, so it is read a window of a few blocks at
a time: each epoch shuffles the order of the blocks and, within each window
of ``WINDOW_BLOCKS`` blocks, the order of the rows. Each block is read once,
sequentially, then released (see :mod:`nnzero._chunks`), so resident memory
stays near one window (64 MB) whatever the file's size. The shuffling is
coarser than a full permutation; rows far apart in the file never share a
batch unless their blocks share a window.

Either way every random draw of the epoch is made before its first batch,
so a checkpoint taken mid-epoch resumes with the same order.

Example
-------
>>> import numpy as np
>>> from nnzero.model.batching import EpochBatches
>>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
>>> batches = EpochBatches(np.random.default_rng(0), x, y, None, 2, shuffle=False)
>>> xb, yb, wb = batches.get(2, 4)
>>> yb.tolist()
[2, 3]
"""

from __future__ import annotations

import numpy as np

from .._chunks import memmap_of, release, rows_per_block

#: Blocks of about ``_chunks.BLOCK_BYTES`` (16 MB) shuffled together.
WINDOW_BLOCKS = 4


class EpochBatches:
    """Batch ``[start, stop)`` of the epoch's order, via :meth:`get`.

    The arrays it returns are only valid until the next call (they may be
    one reused buffer). ``buffer``, the :attr:`buffer` of an earlier epoch,
    is reused when it fits, so that its pages are not faulted in afresh.
    """

    def __init__(self, rng, x, y, weights, batch_size: int, shuffle: bool, buffer=None):
        self.x, self.y, self.weights = x, y, weights
        n = len(x)
        self.buffer = buffer
        self._window = self._loaded = None
        if memmap_of(x) is not None:
            self._plan_windows(rng, n, batch_size, shuffle)
            self.get = self._get_windowed
        else:
            self.order = rng.permutation(n) if shuffle else None
            # One batch of every sample is the same batch in any order: the
            # permutation is still drawn (the generator's stream is unchanged)
            # but not applied, sparing a copy of the whole data set. Only the
            # order of the sums in the products differs.
            whole = batch_size >= n
            self.get = self._get_in_memory if shuffle and not whole else self._get_slice

    # -- in memory -------------------------------------------------------------------
    def _get_slice(self, start, stop):
        w = self.weights
        return self.x[start:stop], self.y[start:stop], None if w is None else w[start:stop]

    def _get_in_memory(self, start, stop):
        if stop - start == 1:  # one row: a view of it
            i = self.order[start]
            return self._get_slice(i, i + 1)
        index = self.order[start:stop]
        return self._gather(self.x, index), self.y[index], self._weights_at(index)

    def _gather(self, source, index):
        size, buffer = len(index), self.buffer
        if (
            buffer is None
            or len(buffer) < size
            or buffer.shape[1:] != source.shape[1:]
            or buffer.dtype != source.dtype
        ):
            buffer = self.buffer = np.empty((size, *source.shape[1:]), dtype=source.dtype)
        # mode="clip" lets take write straight into `out` (the default mode
        # buffers); every index is in range anyway.
        return np.take(source, index, axis=0, out=buffer[:size], mode="clip")

    def _weights_at(self, index):
        return None if self.weights is None else self.weights[index]

    # -- memory-mapped: a window of blocks at a time ------------------------------------
    def _plan_windows(self, rng, n, batch_size, shuffle):
        block = rows_per_block(self.x, multiple=batch_size)
        n_blocks = -(-n // block)
        full = n // block  # the short last block, if any, stays last
        blocks = np.arange(n_blocks)
        if shuffle:
            blocks[:full] = rng.permutation(full)
        window_rows = block * WINDOW_BLOCKS
        self._block, self._blocks, self._window_rows = block, blocks, window_rows
        # Window-relative slot of each block, for turning rows into positions.
        self._slot = np.empty(n_blocks, dtype=np.int64)
        pieces = []
        for w in range(0, n_blocks, WINDOW_BLOCKS):
            members = blocks[w : w + WINDOW_BLOCKS]
            self._slot[members] = np.arange(len(members))
            rows = np.concatenate([np.arange(b * block, min((b + 1) * block, n)) for b in members])
            pieces.append(rows[rng.permutation(len(rows))] if shuffle else rows)
        self.order = np.concatenate(pieces)

    def _load_window(self, w):
        first = w * WINDOW_BLOCKS
        members = self._blocks[first : first + WINDOW_BLOCKS]
        if self._window is None:
            self._window = np.empty((self._window_rows, *self.x.shape[1:]), self.x.dtype)
        for slot, b in enumerate(members):
            source = self.x[b * self._block : (b + 1) * self._block]
            self._window[slot * self._block : slot * self._block + len(source)] = source
            release(source)
        self._loaded = w

    def _get_windowed(self, start, stop):
        w = start // self._window_rows
        if self._loaded != w:
            self._load_window(w)
        index = self.order[start:stop]
        local = self._slot[index // self._block] * self._block + index % self._block
        return self._gather(self._window, local), self.y[index], self._weights_at(index)

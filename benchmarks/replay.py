"""GEMM replay: an epoch's matrix products, timed alone with NumPy.

A training epoch of a stack of Dense layers does, for every batch of ``m``
rows and every layer with a kernel of shape ``(k_in, k_out)``, three products:

- forward, ``x @ kernel``: ``(m, k_in) @ (k_in, k_out)``;
- the kernel's gradient, ``x.T @ dz``: ``(k_in, m) @ (m, k_out)``;
- the input's gradient, ``dz @ kernel.T``: ``(m, k_out) @ (k_out, k_in)``,
  for every layer but the first (nobody needs the gradient of the data).

Inference does the forward products alone. The replay does exactly these
products, at these shapes, in the model's dtype, on the thread count the
benchmark set, with nothing else in between: no activation, no loss, no
optimizer update, no gathering of batches, results written into buffers
allocated once (``out=``) and the transposes passed as views (BLAS reads them
in place). It is the floor a NumPy engine can reach on the machine: nnzero's
time divided by the replay's is how much of an epoch is spent outside the
products.

The shapes come from the model (``model.layers`` and each Dense layer's
``kernel``), not from a copy of the case's sizes.
"""

from __future__ import annotations

import numpy as np


def kernel_shapes(model) -> list[tuple[int, int]]:
    """``(k_in, k_out)`` of each Dense layer of a built nnzero model, in order."""
    import nnzero as nz

    return [tuple(layer.kernel.shape) for layer in model.layers
            if isinstance(layer, nz.layers.Dense)]


def batch_sizes(n: int, batch_size: int) -> list[tuple[int, int]]:
    """``[(rows, count), ...]``: an epoch of ``n`` samples in batches of
    ``batch_size``, the last batch shorter when ``n`` is not a multiple."""
    full, rest = divmod(n, batch_size)
    return [(batch_size, full)] * bool(full) + [(rest, 1)] * bool(rest)


class Replay:
    """The products of one epoch (or one inference pass) over ``n`` samples.

    Parameters
    ----------
    shapes : list of (int, int)
        Kernel shapes, first layer to last (:func:`kernel_shapes`).
    n, batch_size : int
        Samples per epoch and rows per batch.
    dtype : str
        The model's dtype.
    backward : bool
        Training (forward and backward products) or inference (forward only).
    """

    def __init__(self, shapes, n: int, batch_size: int, dtype="float32",
                 backward: bool = True, seed: int = 0):
        rng = np.random.default_rng(seed)

        def operand(*shape):
            return rng.random(shape, dtype=np.float32).astype(dtype, copy=False)

        self.groups = []  # (count, [(function, a, b, out), ...]) per batch size
        for rows, count in batch_sizes(n, batch_size):
            calls = []
            for i, (k_in, k_out) in enumerate(shapes):
                x, kernel, z = operand(rows, k_in), operand(k_in, k_out), operand(rows, k_out)
                calls.append((np.matmul, x, kernel, np.empty_like(z)))
                if backward:
                    # Over one row x.T @ dz is an outer product: np.dot hands it
                    # to BLAS, where np.matmul runs its own k=1 loop (slower).
                    product = np.dot if rows == 1 else np.matmul
                    calls.append((product, x.T, z, np.empty_like(kernel)))
                    if i:
                        calls.append((np.matmul, z, kernel.T, np.empty_like(x)))
            self.groups.append((count, calls))

    def run(self) -> None:
        """Every product of the epoch, once."""
        for count, calls in self.groups:
            for _ in range(count):
                for product, a, b, out in calls:
                    product(a, b, out=out)


def replay_of(model, n: int, batch_size: int, backward: bool = True):
    """The replay of an epoch (or inference pass) of a built nnzero ``model``
    over ``n`` samples, as a function of no arguments that runs it once."""
    return Replay(kernel_shapes(model), n, batch_size, model.dtype, backward).run

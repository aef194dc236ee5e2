"""Optional compiled kernels for the optimizers' flat updates (numba).

With the ``numba`` extra installed (``pip install nnzero[numba]``), Adam
and plain SGD update the model's flat parameter buffer in one compiled loop
instead of a dozen NumPy passes over it. Each element goes through exactly
the operations of the NumPy rule, in the same order and in the same dtype
(the constants are scalars of the parameters' dtype, as NumPy converts
them); every one of those operations is correctly rounded, and the loop is
compiled without fast-math, so nothing is fused or reordered and the
result is the same bits. The NumPy rule stays the reference: it runs when
numba is absent, when ``NNZERO_KERNELS=numpy`` is set, and for every
variant the kernels do not cover. ``tests/test_kernels.py`` holds the two
to the same bits.

Example
-------
>>> import numpy as np
>>> from nnzero import _kernels
>>> kernel = _kernels.get("sgd")
>>> kernel is None or callable(kernel)
True
"""

from __future__ import annotations

import os

import numpy as np

#: False turns the kernels off (NumPy only); tests switch it both ways.
ENABLED = os.environ.get("NNZERO_KERNELS", "").lower() != "numpy"

_compiled: dict | None = None


def _compile() -> dict:
    try:
        import numba
    except ImportError:
        return {}
    # Compiled (or loaded from numba's cache) right away for both float
    # dtypes, so that whatever numba loads on the way (SciPy's own BLAS
    # among it) is loaded now, not in the middle of a training step.
    # error_model="numpy": a division by zero gives inf or nan as in NumPy
    # instead of raising; no fastmath, so no operation is contracted (FMA)
    # or reassociated.
    def jit(signature):
        sigs = [signature.replace("F", t) for t in ("float32", "float64")]
        return numba.njit(sigs, cache=True, nogil=True, error_model="numpy")

    @jit("void(F[::1], F[::1], F)")
    def sgd(param, grad, lr):  # param -= grad * lr
        for i in range(param.size):
            param[i] = param[i] - grad[i] * lr

    @jit("void(F[::1], F[::1], F[::1], F[::1], F, F, F, F, F, F, F)")
    def adam(param, grad, m, v, b1, one_minus_b1, b2, one_minus_b2, correction, eps, step_size):
        for i in range(param.size):
            g = grad[i]
            mi = m[i] * b1 + g * one_minus_b1  # m *= b1; m += g * (1 - b1)
            m[i] = mi
            vi = v[i] * b2 + (g * g) * one_minus_b2  # v *= b2; v += (g * g) * (1 - b2)
            v[i] = vi
            denom = np.sqrt(vi) / correction + eps
            param[i] = param[i] - (mi / denom) * step_size

    # The one-thread sections of nnzero.threads must now cover that BLAS too.
    from .threads import blas_libraries_changed

    blas_libraries_changed()
    return {"sgd": sgd, "adam": adam}


def get(name: str):
    """The compiled kernel ``name`` (``"sgd"`` or ``"adam"``), or None when
    kernels are off or numba is not installed. The first call compiles
    them (or loads them from numba's cache); the optimizers make it when
    they are created, before any training starts."""
    global _compiled
    if not ENABLED:
        return None
    if _compiled is None:
        _compiled = _compile()
    return _compiled.get(name)


def usable(*arrays) -> bool:
    """True when the arrays are 1-D, contiguous, writable and of one float
    dtype (32 or 64 bit): the kernels' signatures."""
    dtype = arrays[0].dtype
    if dtype != np.float32 and dtype != np.float64:
        return False
    return all(a.ndim == 1 and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
               for a in arrays)

"""Control of the BLAS thread pool.

Small networks spend more time waking BLAS threads than multiplying; limiting
the pool (or matching it to the cores actually free) often makes them faster.

Example
-------
>>> import nnzero as nz
>>> with nz.limit_threads(1):
...     pass  # NumPy's matrix products here use one thread
"""

from __future__ import annotations

import contextlib
import functools
import threading

import threadpoolctl
from threadpoolctl import ThreadpoolController, threadpool_limits

from ._validation import check_int


def limit_threads(n: int):
    """Context manager (also usable as a plain call) limiting BLAS to ``n`` threads.

    Parameters
    ----------
    n : int
        The most threads BLAS may use (at least 1).

    Returns
    -------
    threadpoolctl.threadpool_limits
        Restores the previous limits on leaving the ``with`` block.

    Examples
    --------
    >>> import nnzero as nz
    >>> with nz.limit_threads(2):
    ...     pass
    """
    return threadpool_limits(limits=check_int(n, "n", low=1), user_api="blas")


#: Matrix products with fewer multiply-adds than this run on one BLAS thread
#: inside ``fit``, ``evaluate`` and ``predict``: handing a product this small
#: (a batch of one through a 784x128 layer is 0.1 M) to a second thread costs
#: more than the thread saves, and a busy machine can make that thread wait
#: milliseconds for a core. Set it to 0 to leave the BLAS's own choice alone.
SMALL_PRODUCT = 1 << 20


@functools.cache
def _controller():
    return ThreadpoolController()


def threads_for_products(multiply_adds: int):
    """Context manager: one BLAS thread while the largest matrix product
    has fewer than :data:`SMALL_PRODUCT` multiply-adds; otherwise the pool
    as it is. It never raises the thread count.

    >>> from nnzero.threads import threads_for_products
    >>> with threads_for_products(10):
    ...     pass  # products of a tiny network here use one BLAS thread
    """
    return _SECTIONS.enter("one" if multiply_adds < SMALL_PRODUCT else "all")


class _PoolSections:
    """Keeps sections that run on one BLAS thread and sections that use the
    whole pool from overlapping.

    The BLAS pool is one per process, and a product's last bits can depend
    on how many threads compute it. So while any thread runs under the
    one-thread limit, a large product elsewhere waits rather than run on one
    thread, and the other way round; sections of one kind run together, the
    first in setting the limit and the last out restoring the pool. A
    section entered inside another on the same thread joins it, so nesting
    (a callback predicting during fit) cannot deadlock.
    """

    def __init__(self):
        self._changed = threading.Condition()
        self._active = {"one": 0, "all": 0}
        self._waiting = {"one": 0, "all": 0}
        self._limiter = None
        self._mine = threading.local()

    @contextlib.contextmanager
    def enter(self, kind):
        if getattr(self._mine, "kind", None) is not None:
            yield  # already inside a section on this thread
            return
        other = "all" if kind == "one" else "one"
        with self._changed:
            self._waiting[kind] += 1
            # Wait while the other kind runs, and also while it waits behind
            # sections of this kind, so that neither kind can starve.
            while self._active[other] or (self._waiting[other] and self._active[kind]):
                self._changed.wait()
            self._waiting[kind] -= 1
            if kind == "one" and not self._active["one"]:
                _release_blas_control()
                self._limiter = _controller().limit(limits=1, user_api="blas")
                _release_blas_control()
            self._active[kind] += 1
        self._mine.kind = kind
        try:
            yield
        finally:
            self._mine.kind = None
            with self._changed:
                self._active[kind] -= 1
                if kind == "one" and not self._active["one"]:
                    _release_blas_control()
                    self._limiter.restore_original_limits()
                    _release_blas_control()
                    self._limiter = None
                self._changed.notify_all()


_SECTIONS = _PoolSections()


def blas_libraries_changed() -> None:
    """Look for BLAS libraries afresh at the next section: something
    (numba, compiling :mod:`nnzero._kernels`) loaded one of its own, which
    the one-thread limit must cover too."""
    _controller.cache_clear()


def _release_blas_control():
    # threadpoolctl 3.8+ lets only the thread that first set OpenBLAS's
    # process-wide pool change it again, ignoring the others silently; the
    # last section out may be another thread than the first in. The lock
    # above already keeps nnzero's own changes in order.
    clear = getattr(threadpoolctl.OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear()


def largest_product(model, batch_size: int) -> int:
    """Multiply-adds of the largest product a batch makes: a batch through
    the biggest weight matrix of ``model``."""
    return batch_size * max((p.size for p in model.params if p.ndim == 2), default=0)

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

from threadpoolctl import ThreadpoolController, threadpool_limits

from ._validation import check_int


def limit_threads(n: int):
    """Context manager (also usable as a plain call) limiting BLAS to ``n`` threads.

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
    if multiply_adds >= SMALL_PRODUCT:
        return contextlib.nullcontext()
    return _controller().limit(limits=1, user_api="blas")


def largest_product(model, batch_size: int) -> int:
    """Multiply-adds of the largest product a batch makes: a batch through
    the biggest weight matrix of ``model``."""
    return batch_size * max((p.size for p in model.params if p.ndim == 2), default=0)

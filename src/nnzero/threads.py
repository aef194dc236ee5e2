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

from threadpoolctl import threadpool_limits

from ._validation import check_int


def limit_threads(n: int):
    """Context manager (also usable as a plain call) limiting BLAS to ``n`` threads.

    >>> import nnzero as nz
    >>> with nz.limit_threads(2):
    ...     pass
    """
    return threadpool_limits(limits=check_int(n, "n", low=1), user_api="blas")

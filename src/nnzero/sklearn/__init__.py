"""scikit-learn estimators backed by nnzero networks.

:class:`NNClassifier` and :class:`NNRegressor` follow scikit-learn's
conventions, so they work in ``Pipeline``, ``cross_val_score``,
``GridSearchCV`` and ``clone``, and — through joblib's Dask backend — search
hyper-parameters on a ``dask.distributed`` cluster (see
:func:`limit_worker_threads`).

Example
-------
>>> from sklearn.datasets import make_blobs
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from nnzero.sklearn import NNClassifier
>>> X, y = make_blobs(n_samples=60, centers=2, random_state=0)
>>> pipe = make_pipeline(StandardScaler(),
...                      NNClassifier(hidden_layer_sizes=(8,), epochs=20, random_state=0))
>>> scores = cross_val_score(pipe, X, y, cv=3)
>>> len(scores)
3
"""

from __future__ import annotations

from ._estimators import NNClassifier, NNRegressor, expected_failed_checks


def limit_worker_threads(client, n_threads: int = 1) -> None:
    """Limit BLAS to ``n_threads`` in every worker of a Dask ``client``,
    present and future (a worker plugin calling threadpoolctl).

    Each worker process runs one fit at a time per thread; letting BLAS also
    start a thread per core in each of them oversubscribes the machine and
    makes small networks slower, not faster.

    Parameters
    ----------
    client : dask.distributed.Client
        The connected client.
    n_threads : int, default 1
        BLAS threads per worker process (at least 1).

    Raises
    ------
    InvalidArgumentError
        If ``n_threads`` is not a positive integer.

    Examples
    --------
    >>> from nnzero.sklearn import limit_worker_threads
    >>> from dask.distributed import Client  # doctest: +SKIP
    >>> client = Client("tcp://scheduler:8786")  # doctest: +SKIP
    >>> limit_worker_threads(client, 1)  # doctest: +SKIP
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    from .._validation import check_int

    n_threads = check_int(n_threads, "n_threads", low=1)

    class _LimitThreads(WorkerPlugin):
        name = "nnzero-limit-threads"

        def setup(self, worker):
            from threadpoolctl import threadpool_limits

            # Called without `with`, the limit stays for the process's life.
            threadpool_limits(limits=n_threads, user_api="blas")

    client.register_plugin(_LimitThreads())


__all__ = ["NNClassifier", "NNRegressor", "expected_failed_checks", "limit_worker_threads"]

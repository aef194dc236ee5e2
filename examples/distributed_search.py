"""Hyper-parameter search over NNClassifier on a Dask cluster.

GridSearchCV hands its fits to joblib; under joblib's "dask" backend they run
on the workers of a ``dask.distributed`` cluster. Every fit is seeded
(``random_state``) and runs with one BLAS thread, so the scores are exactly
those of the same search run serially.

    python examples/distributed_search.py                       # local cluster, 2 workers
    python examples/distributed_search.py --workers 4 --serial  # also time a serial run
    python examples/distributed_search.py --scheduler tcp://10.0.0.5:8786

Needs ``pip install 'nnzero[dask]'`` here and on every worker machine.
"""

from __future__ import annotations

import argparse
import importlib
import time

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import nnzero as nz
from nnzero.sklearn import NNClassifier, limit_worker_threads

GRID = {
    "hidden_layer_sizes": [(32,), (64,), (64, 32)],
    "learning_rate": [1e-3, 3e-3],
}


def make_search(epochs: int = 20, grid=None) -> GridSearchCV:
    """The search: every parameter combination times 3 folds, each fit seeded."""
    estimator = NNClassifier(epochs=epochs, batch_size=64, random_state=0)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    return GridSearchCV(estimator, grid or GRID, cv=folds, n_jobs=-1)


def load_data(n: int | None = None):
    """scikit-learn's 8x8 digits (bundled, so no download), pixels in [0, 1]."""
    x, y = load_digits(return_X_y=True)
    return (x / 16.0)[:n], y[:n]


def run_serial(search, x, y) -> float:
    """Fit in this process, one fit after another; returns the seconds taken."""
    start = time.perf_counter()
    # One BLAS thread, as on the workers: same thread count, same rounding.
    with nz.limit_threads(1), joblib.parallel_backend("sequential"):
        search.fit(x, y)
    return time.perf_counter() - start


def run_distributed(search, x, y, client) -> float:
    """Fit on the cluster behind ``client``; returns the seconds taken."""
    limit_worker_threads(client, 1)
    # Workers import nnzero and scikit-learn before the clock starts, so the
    # time is the search's, not the one-off start-up of fresh processes.
    client.run(importlib.import_module, "nnzero.sklearn")
    start = time.perf_counter()
    with joblib.parallel_backend("dask"):
        search.fit(x, y)
    return time.perf_counter() - start


def start_client(scheduler: str | None, workers: int):
    """A client of the cluster at ``scheduler``, or of a new local cluster of
    ``workers`` single-threaded processes listening on this machine only."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0")
    return Client(cluster), cluster


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler, "
                        "e.g. tcp://10.0.0.5:8786 (default: start a local cluster)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the local cluster (default 2)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=None,
                        help="use only the first N digits (quicker)")
    parser.add_argument("--serial", action="store_true",
                        help="also run the search serially and compare the scores")
    args = parser.parse_args(argv)

    x, y = load_data(args.samples)
    client, cluster = start_client(args.scheduler, args.workers)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        distributed = make_search(args.epochs)
        seconds = run_distributed(distributed, x, y, client)
        n_fits = len(distributed.cv_results_["params"]) * distributed.n_splits_
        print(f"distributed: {n_fits} fits on {n_workers} workers in {seconds:.1f} s")
        print(f"best {distributed.best_params_}: accuracy {distributed.best_score_:.4f}")
        if args.serial:
            serial = make_search(args.epochs)
            serial_seconds = run_serial(serial, x, y)
            same = np.array_equal(serial.cv_results_["mean_test_score"],
                                  distributed.cv_results_["mean_test_score"])
            print(f"serial: {serial_seconds:.1f} s; speed-up {serial_seconds / seconds:.2f}x; "
                  f"scores identical: {same}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

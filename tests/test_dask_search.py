"""Hyper-parameter search over NNClassifier on a local dask.distributed
cluster (two worker processes on this machine) gives exactly the scores of
the same search run serially."""

import importlib.util
import time
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold

import nnzero as nz
from nnzero.sklearn import NNClassifier, limit_worker_threads

distributed = pytest.importorskip("distributed")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "distributed_search.py"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1,
        host="127.0.0.1", dashboard_address="127.0.0.1:0",  # this machine only, any free port
    )
    client = distributed.Client(cluster)
    limit_worker_threads(client, 1)
    # Import on the workers up front, so timings compare fits, not start-up.
    client.run(importlib.import_module, "nnzero.sklearn")
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x[:900] / 16.0, y[:900]


def _folds():
    return StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def _serial(search, x, y):
    start = time.perf_counter()
    # One BLAS thread, like each worker: same thread count, same rounding.
    with nz.limit_threads(1), joblib.parallel_backend("sequential"):
        search.fit(x, y)
    return time.perf_counter() - start


def _on_dask(search, x, y):
    start = time.perf_counter()
    with joblib.parallel_backend("dask"):
        search.fit(x, y)
    return time.perf_counter() - start


def _scores(search):
    return {k: v for k, v in search.cv_results_.items() if "test_score" in k}


def test_workers_run_one_blas_thread(client):
    from threadpoolctl import threadpool_info

    per_worker = client.run(
        lambda: [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    )
    assert len(per_worker) == 2
    assert all(threads and set(threads) == {1} for threads in per_worker.values())


def test_grid_search_on_dask_equals_serial(client, digits, capsys):
    x, y = digits
    grid = {"hidden_layer_sizes": [(16,), (32,)], "learning_rate": [1e-3, 3e-3]}

    def search():
        estimator = NNClassifier(epochs=15, batch_size=64, random_state=0)
        return GridSearchCV(estimator, grid, cv=_folds(), n_jobs=-1)

    serial, remote = search(), search()
    serial_s = _serial(serial, x, y)
    remote_s = _on_dask(remote, x, y)
    with capsys.disabled():
        print(f"\nGridSearchCV, 12 fits: serial {serial_s:.2f} s, "
              f"dask on 2 workers {remote_s:.2f} s")
    for key, value in _scores(serial).items():
        np.testing.assert_array_equal(remote.cv_results_[key], value, err_msg=key)
    assert remote.best_params_ == serial.best_params_
    assert serial.best_score_ > 0.85
    np.testing.assert_array_equal(remote.predict(x), serial.predict(x))


def test_randomized_search_on_dask_equals_serial(client, digits):
    x, y = digits
    space = {"alpha": [0.0, 1e-4, 1e-3], "hidden_layer_sizes": [(8,), (24,)],
             "dropout": [0.0, 0.1]}

    def search():
        estimator = NNClassifier(epochs=5, random_state=0)
        return RandomizedSearchCV(estimator, space, n_iter=3, cv=_folds(), random_state=0,
                                  n_jobs=-1)

    serial, remote = search(), search()
    _serial(serial, x, y)
    _on_dask(remote, x, y)
    assert remote.cv_results_["params"] == serial.cv_results_["params"]
    for key, value in _scores(serial).items():
        np.testing.assert_array_equal(remote.cv_results_[key], value, err_msg=key)


def test_example_runs_against_a_scheduler_address(client, capsys):
    spec = importlib.util.spec_from_file_location("distributed_search", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    address = client.scheduler.address
    assert example.main(["--scheduler", address, "--samples", "300", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "18 fits on 2 workers" in out and "best" in out

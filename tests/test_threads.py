"""predict, predict_proba and evaluate from several threads at once on one
model give exactly what serial calls give, and leave the BLAS pool as it was;
limit_threads caps the BLAS pool and gives it back."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import nnzero as nz
from small_models import blobs, mlp

THREADS, CALLS = 8, 6


def _blas_threads():
    return [(lib["internal_api"], lib["num_threads"]) for lib in threadpool_info()
            if lib["user_api"] == "blas"]


def _model(hidden, dropout=0.0):
    layers = [nz.layers.Dense(hidden, activation="relu"), nz.layers.Dropout(dropout),
              nz.layers.Dense(hidden // 2, activation="tanh"),
              nz.layers.Dense(4, activation="softmax")]
    model = nz.Sequential(layers, seed=1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(64, 20)), rng.integers(0, 4, 64), epochs=1, verbose=0)
    return model


def _inputs():
    rng = np.random.default_rng(5)
    # Different sizes per call: single samples, small and large batches.
    return [rng.normal(size=(n, 20)) for n in (1, 3, 17, 256, 1000, 5000)]


@pytest.mark.parametrize(("hidden", "dropout"), [(8, 0.0), (256, 0.5)],
                         ids=["tiny-one-blas-thread", "wider-with-dropout"])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_classes"])
def test_concurrent_predictions_equal_serial_ones(hidden, dropout, method):
    model = _model(hidden, dropout)
    inputs = _inputs()
    call = getattr(model, method)
    serial = [call(x) for x in inputs]
    blas_before = _blas_threads()

    def work(k):
        return [call(inputs[(k + i) % len(inputs)]) for i in range(CALLS)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    for k, outputs in enumerate(results):
        for i, out in enumerate(outputs):
            np.testing.assert_array_equal(out, serial[(k + i) % len(inputs)])
    assert _blas_threads() == blas_before


def test_concurrent_evaluate_equals_serial():
    model = _model(32)
    rng = np.random.default_rng(9)
    sets = [(rng.normal(size=(n, 20)), rng.integers(0, 4, n)) for n in (1, 50, 700)]
    serial = [model.evaluate(x, y) for x, y in sets]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda k: model.evaluate(*sets[k % 3]), range(4 * THREADS)))
    for k, scores in enumerate(results):
        assert scores == serial[k % 3]


def test_predict_does_not_change_the_model():
    model = _model(16, dropout=0.5)
    weights, state = model.get_weights(), model.rng.bit_generator.state
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda x: model.predict(x), _inputs() * 4))
    assert model.rng.bit_generator.state == state  # dropout draws nothing at inference
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# -- limit_threads --------------------------------------------------------------


def _blas_thread_counts():
    return [
        info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]


def test_limit_threads_as_context_manager():
    before = _blas_thread_counts()
    with nz.limit_threads(1):
        assert all(n == 1 for n in _blas_thread_counts())
        model = mlp()
        model.fit(*blobs(), epochs=1, verbose=0)
    assert _blas_thread_counts() == before


def test_limit_threads_as_a_plain_call():
    before = _blas_thread_counts()
    limiter = nz.limit_threads(1)
    try:
        assert all(n == 1 for n in _blas_thread_counts())
    finally:
        limiter.restore_original_limits()
    assert _blas_thread_counts() == before

"""The optional compiled optimizer kernels (``nnzero/_kernels.py``): with
numba installed they must give the NumPy rule's bits exactly, and without
it (or switched off) the NumPy rule runs."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero import _kernels
from nnzero.model import step_kernel

DTYPES = [np.float32, np.float64]


def test_switched_off_there_is_no_kernel(monkeypatch):
    monkeypatch.setattr(_kernels, "ENABLED", False)
    assert _kernels.get("adam") is None and _kernels.get("sgd") is None


def test_without_numba_there_is_no_kernel(monkeypatch):
    monkeypatch.setattr(_kernels, "_compiled", None)
    monkeypatch.setitem(__import__("sys").modules, "numba", None)  # import fails
    assert _kernels.get("adam") is None


def test_usable_takes_only_flat_contiguous_floats_of_one_dtype():
    a = np.zeros(6, np.float32)
    assert _kernels.usable(a, np.ones(6, np.float32))
    assert not _kernels.usable(a, np.ones(6, np.float64))
    assert not _kernels.usable(a.reshape(2, 3))
    assert not _kernels.usable(np.zeros(12, np.float32)[::2])
    assert not _kernels.usable(np.zeros(6, np.int64))


def _model(optimizer, dtype, hidden=(16, 8)):
    layers = [nz.layers.Dense(h, activation="relu") for h in hidden]
    model = nz.Sequential([*layers, nz.layers.Dense(3, activation="softmax")], seed=3,
                          dtype=dtype)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


OPTIMIZERS = {
    "adam": lambda: nz.optimizers.Adam(0.01),
    "sgd": lambda: nz.optimizers.SGD(0.1),
    # Variants the kernels leave to NumPy: they must run as before too.
    "adam_amsgrad": lambda: nz.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda: nz.optimizers.AdamW(0.01),
    "sgd_momentum": lambda: nz.optimizers.SGD(0.1, momentum=0.9),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [1, 7, None])
def test_training_with_kernels_gives_the_numpy_bits(monkeypatch, dtype, optimizer, batch_size):
    pytest.importorskip("numba")
    # The optimizers' kernels only: the compiled one-sample step agrees to
    # rounding, not bits (tests/test_step_kernel.py).
    monkeypatch.setattr(step_kernel, "ENABLED", False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 5)).astype(dtype)
    y = rng.integers(0, 3, 40)
    trained = []
    for enabled in (False, True):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        model = _model(OPTIMIZERS[optimizer](), dtype)
        history = model.fit(x, y, epochs=3, batch_size=batch_size, verbose=0)
        trained.append((model, history.history["loss"]))
    (numpy_model, numpy_loss), (kernel_model, kernel_loss) = trained
    assert numpy_loss == kernel_loss
    for a, b in zip(numpy_model.params, kernel_model.params, strict=True):
        assert a.tobytes() == b.tobytes()
    for name, arrays in numpy_model.optimizer.slots.items():
        for a, b in zip(arrays, kernel_model.optimizer.slots[name], strict=True):
            assert a.tobytes() == b.tobytes()


def _edge_values(dtype, n=4096):
    """Gradients across the range: zeros of both signs, subnormals, huge
    values whose square overflows, and ordinary ones."""
    rng = np.random.default_rng(1)
    info = np.finfo(dtype)
    g = (rng.standard_normal(n) * 10.0 ** rng.integers(-45, 39, n)).astype(dtype)
    g[:8] = [0.0, -0.0, info.tiny / 4, -info.tiny / 8, info.max / 2, -info.max / 3, 1.0, -1.0]
    return g


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_the_update_rule_gives_the_numpy_bits_on_edge_values(monkeypatch, dtype, name):
    pytest.importorskip("numba")
    results = []
    for enabled in (False, True):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        opt = nz.optimizers.Adam(1e-3) if name == "adam" else nz.optimizers.SGD(0.5)
        param = np.linspace(-2, 2, 4096).astype(dtype)
        with np.errstate(all="ignore"):
            for step in range(3):
                opt.apply([param], [_edge_values(dtype) * dtype(step + 1)])
        results.append([param, *(a[0] for a in opt.slots.values())])
    for a, b in zip(*results, strict=True):
        # inf - inf and the like give NaN either way; compare those as NaN.
        nan = np.isnan(a)
        assert np.array_equal(nan, np.isnan(b))
        assert a[~nan].tobytes() == b[~nan].tobytes()

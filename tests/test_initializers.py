"""The orthogonal initializer: its matrices, its distribution, its errors and
its agreement with PyTorch's ``nn.init.orthogonal_``."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.initializers import Orthogonal


@pytest.mark.parametrize("shape", [(784, 128), (64, 10), (10, 64), (7, 7)])
@pytest.mark.parametrize("gain", [1.0, 4.0])
def test_every_singular_value_is_the_gain(shape, gain):
    w = Orthogonal(gain)(shape, np.random.default_rng(0), np.float64)
    assert w.shape == shape and w.dtype == np.float64
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-12)


def test_dtype_and_seed():
    draw = Orthogonal(2.0)
    a = draw((30, 20), np.random.default_rng(5))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, draw((30, 20), np.random.default_rng(5)))
    assert not np.array_equal(a, draw((30, 20), np.random.default_rng(6)))


def test_signs_are_uniform():
    # QR's own Q is not uniform: NumPy's (LAPACK's Householder) gives Q[0, 0] < 0
    # for every one of these draws. The sign fix makes it a coin toss.
    rng = np.random.default_rng(0)
    corner = [Orthogonal()((3, 3), rng, np.float64)[0, 0] for _ in range(2000)]
    assert 0.45 < np.mean(np.array(corner) > 0) < 0.55


def test_registry_and_config_round_trip():
    init = nz.initializers.get({"name": "orthogonal", "gain": 4.0})
    assert isinstance(init, Orthogonal) and init.gain == 4.0
    assert init.get_config() == {"name": "orthogonal", "gain": 4.0}
    assert nz.initializers.get(init.get_config()).get_config() == init.get_config()
    assert repr(init) == "Orthogonal(gain=4.0)"
    assert "orthogonal" in nz.initializers.names()


def test_a_model_built_with_it_has_orthogonal_kernels_and_saves(tmp_path):
    model = nz.Sequential([
        nz.layers.Dense(16, activation="sigmoid", kernel_initializer=Orthogonal(4.0)),
        nz.layers.Dense(3, activation="softmax", kernel_initializer=Orthogonal(8.0)),
    ], seed=0, dtype="float64")
    model.build((40,))
    first, last = model.layers[0].kernel, model.layers[1].kernel
    np.testing.assert_allclose(first.T @ first, 16.0 * np.eye(16), atol=1e-12)
    np.testing.assert_allclose(last.T @ last, 64.0 * np.eye(3), atol=1e-12)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "m.nnz")
    again = nz.load_model(tmp_path / "m.nnz")
    assert again.layers[1].kernel_initializer.get_config() == {"name": "orthogonal", "gain": 8.0}
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("gain", [0.0, -1.0, float("nan"), "4"])
def test_a_bad_gain_is_refused(gain):
    with pytest.raises(nz.NNZeroError, match="gain"):
        Orthogonal(gain)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_only_two_dimensional_kernels(shape):
    with pytest.raises(nz.InvalidArgumentError, match=r"2-D kernels .* received shape"):
        Orthogonal()(shape, np.random.default_rng(0))


def test_as_a_bias_initializer_the_build_says_why():
    model = nz.Sequential([nz.layers.Dense(4, bias_initializer="orthogonal")], seed=0)
    with pytest.raises(nz.InvalidArgumentError, match="not for biases"):
        model.build((3,))


def test_same_singular_values_as_pytorch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for rows, cols in [(128, 784), (10, 64), (64, 10)]:
        theirs = torch.empty(rows, cols, dtype=torch.float64)
        torch.nn.init.orthogonal_(theirs, gain=4.0)
        # PyTorch's weight is (out, in): nnzero's kernel is its transpose.
        ours = Orthogonal(4.0)((cols, rows), np.random.default_rng(0), np.float64)
        np.testing.assert_allclose(np.linalg.svd(ours, compute_uv=False),
                                   np.linalg.svd(theirs.numpy().T, compute_uv=False),
                                   rtol=1e-12)

"""Weight constraints: MaxNorm's projection, and training parity with PyTorch.

PyTorch has no constraint argument; the dropout paper's max-norm is written
there as ``w.data = torch.renorm(w.data, 2, 0, c)`` after ``opt.step()`` (on
torch's ``(out, in)`` weight, whose rows are nnzero's kernel columns). The
same float64 network trained both ways must agree to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.constraints import MaxNorm, NonNeg
from nnzero.errors import InvalidArgumentError, InvalidTypeError


def test_max_norm_caps_long_columns_and_keeps_short_ones_exactly():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(20, 6))
    w[:, :3] *= 0.01  # three short columns
    before = w.copy()
    out = MaxNorm(1.5)(w)
    assert out is w
    norms = np.linalg.norm(w, axis=0)
    np.testing.assert_array_equal(w[:, :3], before[:, :3])
    np.testing.assert_allclose(norms[3:], 1.5, rtol=1e-6)
    # Direction is kept: each long column is a positive multiple of the old one.
    cos = np.sum(w[:, 3:] * before[:, 3:], axis=0) / (norms[3:] * np.linalg.norm(
        before[:, 3:], axis=0))
    np.testing.assert_allclose(cos, 1.0, rtol=1e-12)


def test_max_norm_equals_torch_renorm():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(1).normal(size=(30, 7)) * np.linspace(0.05, 2.0, 7)
    expected = torch.renorm(torch.from_numpy(w.T.copy()), p=2, dim=0, maxnorm=2.0).numpy().T
    np.testing.assert_allclose(MaxNorm(2.0)(w.copy()), expected, rtol=1e-14, atol=0)


def test_max_norm_keeps_float32_and_zero_columns():
    w = np.zeros((4, 3), np.float32)
    w[:, 0] = 10.0
    MaxNorm(1.0)(w)
    assert w.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(w[:, 0]), 1.0, rtol=1e-6)
    assert not w[:, 1:].any()


def test_non_neg():
    np.testing.assert_array_equal(NonNeg()(np.array([[-1.0, 0.5]])), [[0.0, 0.5]])


def test_dense_applies_its_constraint_after_every_step():
    x = np.random.default_rng(0).normal(size=(64, 5)) * 10
    y = (x[:, 0] > 0).astype(np.int64)
    model = nz.Sequential([nz.layers.Dense(8, activation="relu",
                                           kernel_constraint=MaxNorm(0.5)),
                           nz.layers.Dense(2, activation="softmax",
                                           kernel_constraint="non_neg")], seed=0)
    model.compile(nz.optimizers.SGD(1.0), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert np.linalg.norm(model.layers[0].kernel, axis=0).max() <= 0.5 * (1 + 1e-6)
    assert model.layers[1].kernel.min() >= 0.0


def test_constraint_survives_save_and_load(tmp_path):
    model = nz.Sequential([nz.layers.Dense(3, kernel_constraint=MaxNorm(2.0))], seed=0)
    model.compile("sgd", "mse")
    model.build((4,))
    model.save(tmp_path / "m.nnz")
    loaded = nz.load_model(tmp_path / "m.nnz")
    assert loaded.layers[0].kernel_constraint.max_value == 2.0
    assert "kernel_constraint" not in nz.layers.Dense(3).get_config()


def test_bad_constraints_are_named():
    with pytest.raises(InvalidArgumentError, match="max_norm"):
        nz.layers.Dense(3, kernel_constraint="maxnorm")
    with pytest.raises(InvalidTypeError, match="kernel_constraint"):
        nz.layers.Dense(3, kernel_constraint=3.0)
    with pytest.raises(InvalidArgumentError, match="max_value"):
        MaxNorm(0.0)


def test_max_norm_training_parity_with_torch():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)) * 2.0
    y = rng.integers(0, 3, size=40)
    cap = 0.8
    model = nz.Sequential([
        nz.layers.Dense(8, activation="tanh", kernel_constraint=MaxNorm(cap)),
        nz.layers.Dense(5, activation="relu", kernel_constraint=MaxNorm(cap)),
        nz.layers.Dense(3, activation="softmax", kernel_constraint=MaxNorm(cap)),
    ], seed=0, dtype="float64")
    model.build((6,))
    model.set_weights([rng.normal(scale=0.6 if w.ndim == 2 else 0.2, size=w.shape)
                       for w in model.get_weights()])
    linears = [nn.Linear(6, 8, dtype=torch.float64), nn.Linear(8, 5, dtype=torch.float64),
               nn.Linear(5, 3, dtype=torch.float64)]
    net = nn.Sequential(linears[0], nn.Tanh(), linears[1], nn.ReLU(), linears[2])
    with torch.no_grad():
        for linear, layer in zip(linears, model.layers, strict=True):
            linear.weight.copy_(torch.from_numpy(layer.kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.bias.copy()))
    model.compile(nz.optimizers.SGD(0.5, momentum=0.9), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=10, batch_size=8, shuffle=False, verbose=0)

    opt = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    capped = 0
    for _ in range(10):
        for start in range(0, 40, 8):
            opt.zero_grad()
            nn.functional.cross_entropy(net(xt[start:start + 8]), yt[start:start + 8]).backward()
            opt.step()
            with torch.no_grad():
                for linear in linears:
                    capped += int((linear.weight.norm(dim=1) > cap).sum())
                    linear.weight.copy_(torch.renorm(linear.weight, 2, 0, cap))
    assert capped > 0  # the cap was active, so the test exercises it
    diff = max(float(np.abs(layer.kernel - linear.weight.detach().numpy().T).max())
               for layer, linear in zip(model.layers, linears, strict=True))
    assert diff <= 1e-9 * cap

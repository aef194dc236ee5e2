"""Label smoothing of the categorical cross-entropies: finite-difference
gradients in float64 and agreement with ``torch.nn.CrossEntropyLoss``.

Each check covers the three ways a loss is used: on probabilities (a plain
softmax output), on logits (``from_logits=True``) and fused with the
model's softmax output layer, where the gradient is ``p - y_smooth``.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from finite_differences import numeric_gradient, rel_error, softmax
from nnzero.errors import InvalidArgumentError
from nnzero.losses import CategoricalCrossentropy, SparseCategoricalCrossentropy
from nnzero.model.step import compute_gradients

TOL = 1e-6
EPS = (0.0, 0.1, 0.35)


def _targets(sparse, n=7, k=4, seed=0):
    labels = np.random.default_rng(seed).integers(0, k, size=n)
    return labels if sparse else np.eye(k)[labels]


def _loss(sparse, eps, from_logits=False):
    cls = SparseCategoricalCrossentropy if sparse else CategoricalCrossentropy
    return cls(from_logits=from_logits, label_smoothing=eps)


@pytest.mark.parametrize("eps", EPS)
@pytest.mark.parametrize("sparse", [True, False], ids=["sparse", "onehot"])
@pytest.mark.parametrize("from_logits", [True, False], ids=["logits", "probs"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_gradient_matches_finite_differences(eps, sparse, from_logits, weighted):
    rng = np.random.default_rng(1)
    y = _targets(sparse)
    logits = rng.normal(size=(7, 4))
    out = logits if from_logits else softmax(logits)
    w = rng.uniform(0.5, 2.0, size=7) if weighted else None
    loss = _loss(sparse, eps, from_logits)
    numeric = numeric_gradient(lambda: loss.value(y, out, w), out)
    assert rel_error(loss.gradient(y, out, w), numeric) < TOL


@pytest.mark.parametrize("eps", EPS)
@pytest.mark.parametrize("sparse", [True, False], ids=["sparse", "onehot"])
def test_fused_model_gradient(eps, sparse):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(9, 5)), _targets(sparse, n=9)
    model = nz.Sequential([nz.layers.Dense(6, activation="tanh"),
                           nz.layers.Dense(4, activation="softmax")], seed=0, dtype="float64")
    model.compile("sgd", _loss(sparse, eps))
    assert model.output_fused
    assert nz.gradcheck(model, x, y) < TOL
    # Fused and unfused (plain softmax, chained derivatives) agree as well.
    compute_gradients(model, model.validate_x(x), y)
    fused = [g.copy() for g in model.grads]
    model.compile("sgd", _loss(sparse, eps))
    model.output_fused = False
    compute_gradients(model, model.validate_x(x), y)
    for a, b in zip(fused, model.grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("eps", EPS)
@pytest.mark.parametrize("sparse", [True, False], ids=["sparse", "onehot"])
def test_value_and_gradient_equal_torch(eps, sparse):
    torch = pytest.importorskip("torch")
    y = _targets(sparse, n=11, k=5)
    logits = np.random.default_rng(3).normal(size=(11, 5)) * 3
    zt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.CrossEntropyLoss(label_smoothing=eps)(zt, torch.from_numpy(y))
    expected.backward()
    loss = _loss(sparse, eps, from_logits=True)
    assert loss.value(y, logits) == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y, logits), zt.grad.numpy(), rtol=1e-10,
                               atol=1e-15)
    # On probabilities (clipped, but these are far from 0 and 1) the same value.
    assert _loss(sparse, eps).value(y, softmax(logits)) == pytest.approx(
        expected.item(), rel=1e-10)


def test_training_parity_with_torch():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(40, 6)), rng.integers(0, 3, size=40)
    model = nz.Sequential([nz.layers.Dense(8, activation="tanh"),
                           nz.layers.Dense(3, activation="softmax")], seed=0, dtype="float64")
    model.build((6,))
    net = nn.Sequential(nn.Linear(6, 8, dtype=torch.float64), nn.Tanh(),
                        nn.Linear(8, 3, dtype=torch.float64))
    with torch.no_grad():
        for linear, layer in zip([net[0], net[2]], model.layers, strict=True):
            linear.weight.copy_(torch.from_numpy(layer.kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.bias.copy()))
    model.compile(nz.optimizers.Adam(0.05), SparseCategoricalCrossentropy(label_smoothing=0.2))
    model.fit(x, y, epochs=10, batch_size=8, shuffle=False, verbose=0)
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.2)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(10):
        for start in range(0, 40, 8):
            opt.zero_grad()
            criterion(net(xt[start:start + 8]), yt[start:start + 8]).backward()
            opt.step()
    for linear, layer in zip([net[0], net[2]], model.layers, strict=True):
        theirs = linear.weight.detach().numpy().T
        assert np.abs(layer.kernel - theirs).max() <= 1e-9 * np.abs(theirs).max()


def test_config_round_trip_and_errors():
    loss = SparseCategoricalCrossentropy(label_smoothing=0.1)
    assert nz.losses.get(loss.get_config()).label_smoothing == 0.1
    assert "label_smoothing" not in SparseCategoricalCrossentropy().get_config()
    assert repr(loss) == "SparseCategoricalCrossentropy(from_logits=False, label_smoothing=0.1)"
    with pytest.raises(InvalidArgumentError, match="label_smoothing"):
        CategoricalCrossentropy(label_smoothing=1.0)

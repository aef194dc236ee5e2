"""BatchNormalization: finite-difference gradients in float64, and forward
passes, running estimates and training equal to ``torch.nn.BatchNorm1d``."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.errors import InvalidArgumentError

TOL = 1e-6


def _built(seed=0, width=5, **kwargs):
    layer = nz.layers.BatchNormalization(**kwargs)
    layer.build((width,), np.random.default_rng(seed), np.float64)
    rng = np.random.default_rng(seed + 1)
    for p in layer.params:  # away from the initial 1 and 0, so both matter
        p[...] = rng.normal(size=p.shape)
    return layer


@pytest.mark.parametrize("scale,center", [(True, True), (True, False), (False, True),
                                          (False, False)])
def test_layer_gradients(scale, center):
    layer = _built(scale=scale, center=center)
    x = np.random.default_rng(2).normal(loc=3.0, scale=2.0, size=(7, 5))
    assert nz.gradcheck(layer, x) < TOL


@pytest.mark.parametrize("loss,head", [("sparse_categorical_crossentropy", "softmax"),
                                       ("mse", "linear")])
def test_model_gradients(loss, head):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(9, 4))
    y = rng.integers(0, 3, size=9) if head == "softmax" else rng.normal(size=(9, 3))
    model = nz.Sequential([
        nz.layers.Dense(6, use_bias=False),
        nz.layers.BatchNormalization(),
        nz.layers.Activation("tanh"),
        nz.layers.Dropout(0.3),
        nz.layers.Dense(3, activation=head),
    ], seed=0, dtype="float64")
    model.compile("sgd", loss)
    assert nz.gradcheck(model, x, y) < TOL


def test_forward_and_running_estimates_equal_torch():
    torch = pytest.importorskip("torch")
    ours = _built(momentum=0.2, epsilon=1e-3)
    theirs = torch.nn.BatchNorm1d(5, momentum=0.2, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.gamma))
        theirs.bias.copy_(torch.from_numpy(ours.beta))
    rng = np.random.default_rng(4)
    for n in (8, 3, 11):
        x = rng.normal(loc=1.0, scale=3.0, size=(n, 5))
        expected = theirs.train()(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(ours.forward(x, training=True), expected, rtol=1e-12,
                                   atol=1e-12)
    np.testing.assert_allclose(ours.state[0], theirs.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.state[1], theirs.running_var.numpy(), rtol=1e-13)
    x = rng.normal(size=(4, 5))
    np.testing.assert_allclose(ours.forward(x), theirs.eval()(torch.from_numpy(x)).detach()
                               .numpy(), rtol=1e-12, atol=1e-12)


def test_training_parity_with_torch():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(40, 6)) * 2 + 1, rng.integers(0, 3, size=40)
    model = nz.Sequential([nz.layers.Dense(8, use_bias=False), nz.layers.BatchNormalization(),
                           nz.layers.Activation("relu"),
                           nz.layers.Dense(3, activation="softmax")], seed=0, dtype="float64")
    model.build((6,))
    net = nn.Sequential(nn.Linear(6, 8, bias=False, dtype=torch.float64),
                        nn.BatchNorm1d(8, dtype=torch.float64), nn.ReLU(),
                        nn.Linear(8, 3, dtype=torch.float64))
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(model.layers[0].kernel.T.copy()))
        net[3].weight.copy_(torch.from_numpy(model.layers[3].kernel.T.copy()))
        net[3].bias.copy_(torch.from_numpy(model.layers[3].bias.copy()))
    model.compile(nz.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=10, batch_size=8, shuffle=False, verbose=0)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    net.train()
    for _ in range(10):
        for start in range(0, 40, 8):
            opt.zero_grad()
            nn.functional.cross_entropy(net(xt[start:start + 8]), yt[start:start + 8]).backward()
            opt.step()
    bn = model.layers[1]
    pairs = [(model.layers[0].kernel, net[0].weight.T), (bn.gamma, net[1].weight),
             (bn.beta, net[1].bias), (model.layers[3].kernel, net[3].weight.T),
             (bn.state[0], net[1].running_mean), (bn.state[1], net[1].running_var)]
    for ours, theirs in pairs:
        theirs = theirs.detach().numpy()
        assert np.abs(ours - theirs).max() <= 1e-9 * np.abs(theirs).max()
    net.eval()
    np.testing.assert_allclose(model.predict(x), torch.softmax(net(xt), 1).detach().numpy(),
                               rtol=1e-9, atol=1e-12)


def test_save_and_load_keep_the_running_estimates(tmp_path):
    x = np.random.default_rng(6).normal(size=(32, 4)) + 5
    y = (x[:, 0] > 5).astype(np.int64)
    model = nz.Sequential([nz.layers.Dense(5, use_bias=False), nz.layers.BatchNorm(),
                           nz.layers.Activation("relu"),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    model.save(tmp_path / "bn.nnz")
    loaded = nz.load_model(tmp_path / "bn.nnz")
    np.testing.assert_array_equal(loaded.layers[1].state[0], model.layers[1].state[0])
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    # The estimates are state, not parameters: the optimizer never sees them.
    assert model.count_params() == 4 * 5 + 2 * 5 + 5 * 2 + 2


def test_a_batch_of_one_keeps_the_running_variance():
    layer = _built()
    before = layer.state[1].copy()
    out = layer.forward(np.ones((1, 5)), training=True)
    np.testing.assert_allclose(out, np.broadcast_to(layer.beta, (1, 5)))
    np.testing.assert_array_equal(layer.state[1], before)


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="momentum"):
        nz.layers.BatchNormalization(momentum=1.5)
    with pytest.raises(InvalidArgumentError, match="epsilon"):
        nz.layers.BatchNormalization(epsilon=0)
    with pytest.raises(InvalidArgumentError, match="Flatten"):
        nz.layers.BatchNormalization().build((2, 3), np.random.default_rng(0), np.float64)
    assert nz.layers.get({"name": "batchnorm", "momentum": 0.2}).momentum == 0.2

"""Finite-difference checks of every analytic gradient in the engine, in float64.

Each check compares backpropagated gradients with central differences and
requires a maximum relative error ``|a - n| / (|a| + |n|)`` below 1e-6.
Inputs are drawn away from the kinks of ReLU, leaky ReLU and ELU so that no
finite difference straddles one.

Steps: ``nz.gradcheck`` uses central differences, here with ``EPS = 1e-5``,
near the float64 optimum (about the cube root of the machine epsilon) where
truncation error (``~EPS**2``) and rounding error (``~ulp(loss) / EPS``)
balance; a smaller step lets rounding noise of about 1e-10 swamp gradient
entries of 1e-4. The direct checks below use the fourth-order five-point
stencil with ``H = 1e-4``, whose truncation error (``~H**4``) is negligible
and whose rounding error is ten times lower again, so that even gradient
entries of a few 1e-6 are resolved to a relative 1e-7.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from finite_differences import away_from_zero, numeric_gradient, rel_error, softmax
from nnzero.errors import InvalidArgumentError
from nnzero.model.step import compute_gradients

TOL = 1e-6
EPS = 1e-5
WORST: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_worst():
    yield
    if WORST:
        name = max(WORST, key=WORST.get)
        print(f"\nworst gradcheck relative error: {WORST[name]:.3e} ({name})")


@pytest.fixture
def record(request):
    def _record(err: float) -> float:
        WORST[request.node.name] = err
        return err

    return _record


class PlainSoftmax:
    """A user-defined softmax: same math, but not the engine's class, so no fusion."""

    def forward(self, z):
        return softmax(z)

    def derivative(self, z, a):
        raise NotImplementedError

    def backward(self, grad, z, a):
        return a * (grad - np.sum(grad * a, axis=1, keepdims=True))

    def get_config(self):
        return {"name": "plain_softmax"}


class PlainSigmoid:
    """A user-defined sigmoid with only forward and derivative."""

    def forward(self, z):
        return 1.0 / (1.0 + np.exp(-z))

    def derivative(self, z, a):
        return a * (1.0 - a)

    def get_config(self):
        return {"name": "plain_sigmoid"}


class WrongTanh:
    """tanh with a deliberately wrong derivative (1 - a instead of 1 - a**2)."""

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1.0 - a

    def get_config(self):
        return {"name": "wrong_tanh"}


class WrongMSE:
    """Mean squared error whose gradient is off by a factor of two."""

    def value(self, y_true, y_pred):
        return float(np.mean((y_pred - y_true) ** 2))

    def gradient(self, y_true, y_pred):
        return (y_pred - y_true) / y_pred.size

    def get_config(self):
        return {"name": "wrong_mse"}


# -- activations -----------------------------------------------------------------------

ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"]
ACTIVATION_OBJECTS = {
    **{name: name for name in ACTIVATIONS},
    "leaky_relu_0.2": nz.activations.LeakyReLU(0.2),
    "elu_0.5": nz.activations.ELU(0.5),
    "elu_2": nz.activations.ELU(2.0),
}


@pytest.mark.parametrize("key", list(ACTIVATION_OBJECTS))
def test_activation_backward(key, record):
    act = nz.activations.get(ACTIVATION_OBJECTS[key])
    rng = np.random.default_rng(0)
    z = away_from_zero(rng, (6, 5))
    r = rng.normal(size=z.shape)
    a = act.forward(z)
    analytic = act.backward(r, z, a)
    numeric = numeric_gradient(lambda: float(np.sum(act.forward(z) * r)), z)
    assert record(rel_error(analytic, numeric)) < TOL
    if key != "softmax":
        np.testing.assert_allclose(analytic, r * act.derivative(z, a), rtol=1e-15, atol=0)


def test_sigmoid_and_softmax_backward_at_large_inputs(record):
    """Saturated inputs: entries above 1e-6 agree to a relative 1e-6, the
    vanishing rest to an absolute 1e-9."""
    rng = np.random.default_rng(1)
    z = rng.normal(scale=8.0, size=(4, 5))
    r = rng.normal(size=z.shape)
    worst = 0.0
    for name in ("sigmoid", "softmax"):
        act = nz.activations.get(name)
        analytic = act.backward(r, z, act.forward(z))
        numeric = numeric_gradient(lambda act=act: float(np.sum(act.forward(z) * r)), z)
        mask = np.abs(analytic) > 1e-6
        worst = max(worst, rel_error(analytic[mask], numeric[mask]))
        np.testing.assert_allclose(analytic[~mask], numeric[~mask], atol=1e-9)
    assert record(worst) < TOL


# -- losses ----------------------------------------------------------------------------


def loss_case(name, from_logits, targets, n=7, seed=0):
    """(loss, y_true, y_pred) for a loss, its input domain and a kind of target."""
    rng = np.random.default_rng(seed)
    if name == "mse":
        return nz.losses.get("mse"), rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    cls = {
        "binary_crossentropy": nz.losses.BinaryCrossentropy,
        "categorical_crossentropy": nz.losses.CategoricalCrossentropy,
        "sparse_categorical_crossentropy": nz.losses.SparseCategoricalCrossentropy,
    }[name]
    loss = cls(from_logits=from_logits)
    k = 3 if name == "binary_crossentropy" else 4
    logits = rng.normal(size=(n, k))
    if name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, k)).astype(float)
        if targets == "soft":
            y = rng.uniform(0.0, 1.0, size=(n, k))
        pred = logits if from_logits else rng.uniform(0.1, 0.9, size=(n, k))
        return loss, y, pred
    labels = rng.integers(0, k, size=n)
    if name == "sparse_categorical_crossentropy":
        y = labels
    elif targets == "soft":
        y = rng.dirichlet(np.ones(k), size=n)
    else:
        y = np.eye(k)[labels]
    return loss, y, logits if from_logits else softmax(logits)


LOSS_CASES = [
    ("mse", False, "hard"),
    ("binary_crossentropy", False, "hard"),
    ("binary_crossentropy", False, "soft"),
    ("binary_crossentropy", True, "hard"),
    ("binary_crossentropy", True, "soft"),
    ("categorical_crossentropy", False, "hard"),
    ("categorical_crossentropy", False, "soft"),
    ("categorical_crossentropy", True, "hard"),
    ("categorical_crossentropy", True, "soft"),
    ("sparse_categorical_crossentropy", False, "hard"),
    ("sparse_categorical_crossentropy", True, "hard"),
]


def _loss_id(case):
    name, from_logits, targets = case
    return f"{name}-{'logits' if from_logits else 'probs'}-{targets}"


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("case", LOSS_CASES, ids=[_loss_id(c) for c in LOSS_CASES])
def test_loss_gradient(case, weighted, record):
    loss, y, pred = loss_case(*case)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=len(pred)) if weighted else None
    analytic = loss.gradient(y, pred.copy(), w)
    numeric = numeric_gradient(lambda: loss.value(y, pred, w), pred)
    assert analytic.shape == pred.shape
    assert record(rel_error(analytic, numeric)) < TOL


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize(
    "case",
    [c for c in LOSS_CASES if c[0] != "mse" and c[1]],
    ids=[_loss_id(c) for c in LOSS_CASES if c[0] != "mse" and c[1]],
)
def test_fused_logit_gradient(case, weighted, record):
    """The fused path's ``gradient_wrt_logits(y, activate(z))`` is the gradient of
    the loss of ``activate(z)`` with respect to ``z``, and the logit form of
    the value equals the probability form."""
    loss, y, z = loss_case(*case)
    w = np.random.default_rng(6).uniform(0.5, 2.0, size=len(z)) if weighted else None
    probs_loss = type(loss)(from_logits=False)
    analytic = loss.gradient_wrt_logits(y, loss.activate(z), w)
    numeric = numeric_gradient(lambda: probs_loss.value(y, loss.activate(z), w), z)
    assert record(rel_error(analytic, numeric)) < TOL
    assert loss.value(y, z, w) == pytest.approx(probs_loss.value(y, loss.activate(z), w), rel=1e-12)


# -- layers ----------------------------------------------------------------------------


def built_dense(seed=3, n_in=4, **kwargs):
    layer = nz.layers.Dense(3, **kwargs)
    rng = np.random.default_rng(seed)
    layer.build((n_in,), rng, np.float64)
    if layer.use_bias:
        layer.params[1][...] = rng.normal(scale=0.5, size=layer.units)
    return layer


def assert_off_kinks(z, margin=1e-3):
    assert np.abs(z).min() > margin, "pre-activation too close to a kink for finite differences"


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_layer(activation, use_bias, record):
    layer = built_dense(activation=activation, use_bias=use_bias)
    x = np.random.default_rng(4).normal(size=(5, 4))
    z = x @ layer.params[0] + (layer.params[1] if use_bias else 0.0)
    assert_off_kinks(z)
    assert record(nz.gradcheck(layer, x, eps=EPS)) < TOL


@pytest.mark.parametrize(
    "regularizer",
    [
        nz.regularizers.L1(0.05),
        nz.regularizers.L2(0.05),
        nz.regularizers.L1L2(l1=0.03, l2=0.07),
        "l2",
    ],
    ids=["l1", "l2", "l1_l2", "l2_by_name"],
)
@pytest.mark.parametrize("activation", ["tanh", "relu", "softmax"])
def test_dense_layer_with_regularizer(activation, regularizer, record):
    layer = built_dense(activation=activation, kernel_regularizer=regularizer)
    x = np.random.default_rng(4).normal(size=(5, 4))
    assert_off_kinks(x @ layer.params[0] + layer.params[1])
    assert_off_kinks(layer.params[0])
    assert layer.penalty() > 0
    assert record(nz.gradcheck(layer, x, eps=EPS)) < TOL


@pytest.mark.parametrize("rate", [0.25, 0.6])
def test_dropout_with_frozen_mask(rate, record):
    layer = nz.layers.Dropout(rate)
    layer.build((6,), np.random.default_rng(7), np.float64)
    x = away_from_zero(np.random.default_rng(8), (5, 6))
    dropped = layer.forward(x, training=True)
    assert (dropped == 0).any() and (dropped != 0).any()
    assert record(nz.gradcheck(layer, x, eps=EPS)) < TOL


def test_flatten(record):
    x = np.random.default_rng(9).normal(size=(4, 3, 5))
    assert record(nz.gradcheck(nz.layers.Flatten(), x, eps=EPS)) < TOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_layer(activation, record):
    x = away_from_zero(np.random.default_rng(10), (5, 4))
    assert record(nz.gradcheck(nz.layers.Activation(activation), x, eps=EPS)) < TOL


def test_gradcheck_rejects_float32_layer():
    layer = nz.layers.Dense(2)
    layer.build((3,), np.random.default_rng(0), np.float32)
    with pytest.raises(InvalidArgumentError, match="float64"):
        nz.gradcheck(layer, np.ones((2, 3)))


# -- models ----------------------------------------------------------------------------


def three_layer_model(head, dropout=True, regularizer=None, seed=0):
    layers = [nz.layers.Dense(7, activation="tanh", kernel_regularizer=regularizer)]
    if dropout:
        layers.append(nz.layers.Dropout(0.25))
    layers.append(nz.layers.Dense(6, activation="relu", kernel_regularizer=regularizer))
    layers.extend(head)
    return nz.Sequential(layers, seed=seed, dtype="float64")


def model_data(loss_name, n_out, n=9, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    labels = rng.integers(0, n_out, size=n)
    if loss_name == "sparse_categorical_crossentropy":
        y = labels
    elif loss_name == "categorical_crossentropy":
        y = np.eye(n_out)[labels]
    elif loss_name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, n_out)).astype(float)
    else:
        y = rng.normal(size=(n, n_out))
    return x, y


def assert_model_off_kinks(model, x):
    state = model.rng.bit_generator.state
    model.forward(x, training=True)
    model.rng.bit_generator.state = state
    for layer in model.layers:
        act = getattr(layer, "activation", None)
        if isinstance(act, (nz.activations.ReLU, nz.activations.LeakyReLU, nz.activations.ELU)):
            assert_off_kinks(layer.last_preactivation, margin=1e-4)


def relu_signs(model):
    return [
        layer.last_preactivation > 0
        for layer in model.layers
        if isinstance(getattr(layer, "activation", None), nz.activations.ReLU)
    ]


def _head(kind, n_out):
    dense = nz.layers.Dense
    return {
        "softmax": [dense(n_out, activation="softmax")],
        "sigmoid": [dense(n_out, activation="sigmoid")],
        "linear": [dense(n_out)],
        "activation_softmax": [dense(n_out), nz.layers.Activation("softmax")],
        "activation_sigmoid": [dense(n_out), nz.layers.Activation("sigmoid")],
        "custom_softmax": [dense(n_out, activation=PlainSoftmax())],
        "custom_sigmoid": [dense(n_out, activation=PlainSigmoid())],
    }[kind]


# (loss, from_logits, head, expected fusion)
MODEL_CASES = [
    ("categorical_crossentropy", False, "softmax", True),
    ("categorical_crossentropy", False, "activation_softmax", True),
    ("categorical_crossentropy", False, "custom_softmax", False),
    ("categorical_crossentropy", True, "linear", False),
    ("sparse_categorical_crossentropy", False, "softmax", True),
    ("sparse_categorical_crossentropy", False, "activation_softmax", True),
    ("sparse_categorical_crossentropy", False, "custom_softmax", False),
    ("sparse_categorical_crossentropy", True, "linear", False),
    ("binary_crossentropy", False, "sigmoid", True),
    ("binary_crossentropy", False, "activation_sigmoid", True),
    ("binary_crossentropy", False, "custom_sigmoid", False),
    ("binary_crossentropy", True, "linear", False),
    ("mse", False, "linear", False),
    ("mse", False, "sigmoid", False),
]


def _model_id(case):
    loss, from_logits, head, _ = case
    return f"{loss}-{head}{'-from_logits' if from_logits else ''}"


def compiled(case, dropout=True, regularizer=None):
    loss_name, from_logits, head, _ = case
    n_out = 1 if head.endswith("sigmoid") and loss_name == "binary_crossentropy" else 4
    if loss_name == "binary_crossentropy" and head == "linear":
        n_out = 3
    model = three_layer_model(_head(head, n_out), dropout=dropout, regularizer=regularizer)
    loss = nz.losses.get(loss_name)
    if from_logits:
        loss = type(loss)(from_logits=True)
    model.compile(optimizer="sgd", loss=loss)
    x, y = model_data(loss_name, n_out)
    model.build(x.shape[1:])
    return model, x, y


@pytest.mark.parametrize("dropout", [True, False], ids=["dropout", "no_dropout"])
@pytest.mark.parametrize("case", MODEL_CASES, ids=[_model_id(c) for c in MODEL_CASES])
def test_model(case, dropout, record):
    model, x, y = compiled(case, dropout=dropout)
    assert model.output_fused is case[3]
    assert_model_off_kinks(model, x)
    assert record(nz.gradcheck(model, x, y, eps=EPS)) < TOL


@pytest.mark.parametrize(
    "case",
    [MODEL_CASES[0], MODEL_CASES[4], MODEL_CASES[8], MODEL_CASES[12]],
    ids=[_model_id(MODEL_CASES[i]) for i in (0, 4, 8, 12)],
)
def test_model_with_regularizers(case, record):
    model, x, y = compiled(case, regularizer=nz.regularizers.L1L2(l1=0.01, l2=0.02))
    assert_model_off_kinks(model, x)
    assert record(nz.gradcheck(model, x, y, eps=EPS)) < TOL


@pytest.mark.parametrize("case", MODEL_CASES, ids=[_model_id(c) for c in MODEL_CASES])
def test_model_with_sample_weight(case, record):
    """compute_gradients with per-sample weights, on the fused and plain paths."""
    model, x, y = compiled(case, regularizer=nz.regularizers.L2(0.01))
    y = model.loss.prepare_targets(y, model.output_shape[0], model.dtype)
    w = np.random.default_rng(12).uniform(0.2, 3.0, size=len(x))
    state = model.rng.bit_generator.state
    model.forward(x, training=True)
    signs = relu_signs(model)

    def loss():
        model.rng.bit_generator.state = state
        out = model.forward(x, training=True)
        assert all(np.array_equal(a, b) for a, b in zip(relu_signs(model), signs, strict=True)), (
            "a finite-difference step crossed a ReLU kink"
        )
        return model.loss.value(y, out, w) + sum(layer.penalty() for layer in model.layers)

    model.rng.bit_generator.state = state
    compute_gradients(model, x, y, w)
    analytic = [g.copy() for g in model.grads]
    errors = [
        rel_error(g, numeric_gradient(loss, p)) for p, g in zip(model.params, analytic, strict=True)
    ]
    assert record(max(errors)) < TOL


def test_model_with_flatten_input(record):
    model = nz.Sequential(
        [
            nz.layers.Flatten(),
            nz.layers.Dense(6, activation="elu"),
            nz.layers.Dense(3, activation="softmax"),
        ],
        seed=2,
        dtype="float64",
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(13)
    x, y = rng.normal(size=(6, 2, 4)), rng.integers(0, 3, size=6)
    model.build(x.shape[1:])
    assert_model_off_kinks(model, x)
    assert record(nz.gradcheck(model, x, y, eps=EPS)) < TOL


def test_fused_and_unfused_gradients_agree():
    """Softmax + cross-entropy gives the same gradients fused (p - y) as
    through the softmax Jacobian of a user-defined softmax."""
    results = []
    for head in ("softmax", "custom_softmax"):
        model, x, y = compiled(("categorical_crossentropy", False, head, None))
        compute_gradients(model, model.validate_x(x), model.validate_y(y, x))
        results.append([g.copy() for g in model.grads])
    for fused, plain in zip(*results, strict=True):
        np.testing.assert_allclose(fused, plain, rtol=1e-10, atol=1e-14)


# -- gradcheck must be able to fail ----------------------------------------------------


def test_gradcheck_catches_wrong_activation_derivative_in_layer():
    layer = built_dense(activation=WrongTanh())
    x = np.random.default_rng(4).normal(size=(5, 4))
    assert nz.gradcheck(layer, x) > 1e-2


def test_gradcheck_catches_wrong_activation_derivative_in_model():
    model = nz.Sequential(
        [nz.layers.Dense(5, activation=WrongTanh()), nz.layers.Dense(3, activation="softmax")],
        seed=0,
        dtype="float64",
    )
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x, y = model_data("categorical_crossentropy", 3)
    assert nz.gradcheck(model, x, y) > 1e-2


def test_gradcheck_catches_wrong_loss_gradient():
    model = nz.Sequential(
        [nz.layers.Dense(4, activation="tanh"), nz.layers.Dense(2)], seed=0, dtype="float64"
    )
    model.compile(optimizer="sgd", loss=WrongMSE())
    x, y = model_data("mse", 2)
    assert nz.gradcheck(model, x, y) > 0.3


def test_gradcheck_rejects_float32_model():
    model = nz.Sequential([nz.layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(InvalidArgumentError, match="float64"):
        nz.gradcheck(model, np.ones((3, 2)), np.ones((3, 2)))

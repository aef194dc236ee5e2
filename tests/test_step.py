"""The training step (``nnzero/model/step.py``): the batch-of-one branch
of ``TrainStep`` and the shortcuts it takes must train bit for bit as the
general ``train_step`` does, and follow a callback that changes the model
mid-epoch."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero.layers import Dense
from nnzero.model import step, step_kernel, training
from small_models import dense_layer, extreme_values

DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def _numpy_batch_of_one_branch(monkeypatch):
    """These tests hold the NumPy batch-of-one branch to the general step's
    bits; the compiled step (model/step_kernel.py, to rounding only) is
    tested in tests/test_step_kernel.py."""
    monkeypatch.setattr(step_kernel, "ENABLED", False)


# -- TrainStep against the general train_step (model/step.py) ---------------------------------

STEP_OPTIMIZERS = {
    "sgd": lambda: nz.optimizers.SGD(0.05),
    "sgd_momentum": lambda: nz.optimizers.SGD(0.05, momentum=0.9),
    "adam": lambda: nz.optimizers.Adam(0.01),
}


class _BatchLogs(nz.callbacks.Callback):
    def __init__(self):
        self.logs = []

    def on_batch_end(self, batch, logs=None):
        self.logs.append(dict(logs))


class _GeneralStep:
    """TrainStep's interface, every batch through the general train_step."""

    def __init__(self, model):
        self.model = model

    def __call__(self, xb, yb, wb):
        return step.train_step(self.model, xb, yb, wb)

    def refresh(self):
        pass


def _fit_both_ways(monkeypatch, build, x, y, **fit):
    """Train twice from the same start: through fit's TrainStep, and
    through fit with the general train_step in its place."""

    def run():
        model, cb = build(), _BatchLogs()
        history = model.fit(x, y, verbose=0, callbacks=[cb], **fit)
        return model, {k: v for k, v in history.history.items() if k != "epoch_time"}, cb.logs

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(training, "TrainStep", _GeneralStep)
        general = run()
    return fast, general


def _assert_same_training(fast, general):
    (fm, fh, fl), (gm, gh, gl) = fast, general
    for a, b in zip(fm.params, gm.params, strict=True):
        assert a.tobytes() == b.tobytes()
    for a, b in zip(fm.grads, gm.grads, strict=True):
        assert a.tobytes() == b.tobytes()
    assert fh == gh  # epoch loss and metrics
    assert fl == gl and len(fl) > 0  # every batch's loss and metrics, as callbacks see them


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", sorted(STEP_OPTIMIZERS))
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("dropout", [False, True])
def test_per_sample_training_equals_the_general_train_step(
    monkeypatch, dtype, optimizer, activation, dropout
):
    rng = np.random.default_rng(0)
    x = rng.random((40, 12)).astype(dtype)
    x[x < 0.5] = 0.0  # sparse rows, as MNIST's
    y = rng.integers(0, 4, size=40)

    def build():
        layers = [Dense(10, activation=activation), Dense(6, activation=activation),
                  Dense(4, activation="softmax")]
        if dropout:
            layers.insert(1, nz.layers.Dropout(0.3))
        m = nz.Sequential(layers, seed=2, dtype=dtype)
        m.compile(optimizer=STEP_OPTIMIZERS[optimizer](),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy", "mse"])
        return m

    fast, general = _fit_both_ways(monkeypatch, build, x, y, epochs=2, batch_size=1)
    _assert_same_training(fast, general)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["weights", "regularized", "one_hot", "mse", "batch_of_5"])
def test_prepared_step_equals_the_general_train_step_in_other_set_ups(monkeypatch, dtype, case):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 5)).astype(dtype)
    y = rng.integers(0, 3, size=30)
    loss = {"one_hot": "categorical_crossentropy", "mse": "mse"}.get(
        case, "sparse_categorical_crossentropy")
    targets = y if loss.startswith("sparse") else np.eye(3)[y]
    reg = nz.regularizers.L2(1e-3) if case == "regularized" else None

    def build():
        m = nz.Sequential([Dense(7, activation="sigmoid", kernel_regularizer=reg,
                                 kernel_constraint=nz.constraints.MaxNorm(1.0) if reg else None),
                           Dense(3, activation="softmax")], seed=4, dtype=dtype)
        m.compile(optimizer=nz.optimizers.SGD(0.1, momentum=0.5), loss=loss,
                  metrics=["accuracy"])
        return m

    fit = {"epochs": 2, "batch_size": 5 if case == "batch_of_5" else 1}
    if case == "weights":
        fit["sample_weight"] = rng.random(30)
    fast, general = _fit_both_ways(monkeypatch, build, x, targets, **fit)
    _assert_same_training(fast, general)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_of_one_kernel_gradient_has_matmuls_zero_signs(dtype):
    """np.dot's outer product equals np.matmul's k=1 product bit for bit,
    including +0 where 0 * negative would give -0.0 element-wise."""
    rng = np.random.default_rng(3)
    layer = dense_layer(9, 6, dtype, activation="linear")
    x = rng.normal(size=(1, 6)).astype(dtype)
    x[0, :3] = [0.0, -0.0, 0.0]
    layer.forward(x, training=True)
    grad = rng.normal(size=(1, 9)).astype(dtype)
    grad[0, :2] = [-1.0, -0.0]
    layer.backward(grad)
    expected = np.matmul(x.T.copy(), grad)
    assert layer.grads[0].tobytes() == expected.tobytes()
    assert layer.grads[1].tobytes() == grad.sum(axis=0).tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_backward_is_grad_times_derivative_bit_for_bit(dtype):
    sigmoid = nz.activations.get("sigmoid")
    z = extreme_values(dtype).reshape(1, -1)
    grad = np.random.default_rng(2).normal(size=z.shape).astype(dtype)
    with np.errstate(all="ignore"):
        a = sigmoid.forward(z)
        expected = grad * sigmoid.derivative(z, a)
        got = sigmoid.backward(grad, z, a)
    assert got.dtype == dtype and got.tobytes() == expected.tobytes()


# -- a callback that changes the model mid-epoch ----------------------------------------------


class _ChangeAt(nz.callbacks.Callback):
    """At the end of batch ``batch`` of the first epoch, ``change(model)``;
    records the weights after every batch."""

    def __init__(self, batch, change):
        self.batch, self.change, self.weights = batch, change, []

    def on_batch_end(self, batch, logs=None):
        self.weights.append(np.concatenate([p.ravel() for p in self.model.params]))
        if len(self.weights) == self.batch + 1:
            self.change(self.model)


def _set_learning_rate(model):
    model.optimizer.learning_rate = 0.5


def _replace_optimizer(model):
    model.optimizer = nz.optimizers.SGD(0.5, momentum=0.9)


def _add_regularizer(model):
    model.layers[0].kernel_regularizer = nz.regularizers.L2(0.1)


def _add_constraint(model):
    model.layers[0].kernel_constraint = nz.constraints.MaxNorm(0.05)


@pytest.mark.parametrize("change", [_set_learning_rate, _replace_optimizer, _add_regularizer,
                                    _add_constraint])
def test_a_change_made_by_a_callback_mid_epoch_holds_from_the_next_batch(monkeypatch, change):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 4)).astype(np.float32)
    y = rng.integers(0, 3, size=12)

    def run(change_at):
        model = nz.Sequential([Dense(6, activation="tanh"), Dense(3, activation="softmax")],
                              seed=1)
        model.compile(optimizer=nz.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
        cb = _ChangeAt(change_at, change)
        history = model.fit(x, y, epochs=1, batch_size=1, shuffle=False, verbose=0, callbacks=[cb])
        return cb.weights, history.history["loss"]

    unchanged, _ = run(change_at=99)
    changed, loss = run(change_at=4)
    with monkeypatch.context() as m:  # every batch through the general step
        m.setattr(training, "TrainStep", _GeneralStep)
        general, general_loss = run(change_at=4)
    # Up to the change, the same run; from the next batch on, not.
    for a, b in zip(changed[:5], unchanged[:5], strict=True):
        assert a.tobytes() == b.tobytes()
    assert changed[5].tobytes() != unchanged[5].tobytes()
    # And exactly what the general step, which reads the model every batch, trains.
    for a, b in zip(changed, general, strict=True):
        assert a.tobytes() == b.tobytes()
    assert loss == general_loss


def test_refresh_prepares_again_only_after_a_change():
    model = nz.Sequential([Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.build((2,))
    train = step.TrainStep(model)
    apply = train.apply
    train.refresh()
    assert train.apply == apply and train.of_one
    model.compile(optimizer="adam", loss="mse")
    train.refresh()
    assert not train.of_one  # mse goes through the general step
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    train.refresh()
    assert train.of_one and train.apply.__self__ is model.optimizer


# -- a user's loss through the general step ---------------------------------------------------


class _HalfSquares(nz.losses.Loss):
    """A subclass as the Loss docstring describes: per_sample and per_sample_gradient."""

    def per_sample(self, y_true, y_pred):
        return 0.5 * np.sum((y_pred - y_true) ** 2, axis=1)

    def per_sample_gradient(self, y_true, y_pred):
        return y_pred - y_true


def test_a_loss_subclass_with_per_sample_gradient_trains_as_mse_does():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(16, 3))
    y = rng.normal(size=(16, 2))

    def trained(loss):
        model = nz.Sequential([Dense(2)], seed=0, dtype="float64")
        model.compile(optimizer=nz.optimizers.SGD(0.1), loss=loss)
        model.fit(x, y, epochs=3, batch_size=4, verbose=0)
        return model.get_weights()

    # 0.5 * sum over 2 outputs is mse (mean over 2 outputs): the same gradient.
    for a, b in zip(trained(_HalfSquares()), trained("mse"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    loss = _HalfSquares()
    y_pred = y + 1.0
    np.testing.assert_allclose(loss.gradient(y, y_pred), np.ones_like(y) / len(y))

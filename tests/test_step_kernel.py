"""The compiled one-sample step (``nnzero/model/step_kernel.py``): where it
applies it trains as the NumPy batch-of-one branch does, to rounding (not
bit for bit: see the module's description), deterministically, and as
PyTorch does; everywhere else the NumPy branch runs, bits unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnzero as nz
from nnzero import _kernels
from nnzero.layers import Dense
from nnzero.model import step, step_kernel, training
from nnzero.model.checkpoint import CHECKPOINT_FILE

DTYPES = [np.float32, np.float64]
# Agreement with the NumPy step after hundreds of steps, relative to each array's largest entry.
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


@pytest.fixture
def made(monkeypatch):
    """Every TrainStep fit makes, to see which branch each one took."""
    steps = []

    class Recording(step.TrainStep):
        def __init__(self, model):
            super().__init__(model)
            steps.append(self)

    monkeypatch.setattr(training, "TrainStep", Recording)
    return steps


def compiled_steps(made) -> int:
    return sum(s.compiled.steps for s in made if s.compiled is not None)


class Record(nz.callbacks.Callback):
    """Each batch's loss, and what the layers keep, as a callback sees them."""

    def __init__(self, keep=True):
        self.losses, self.kept, self.keep = [], [], keep

    def on_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])
        if self.keep:
            self.kept.append([(layer.last_input.copy(), layer.last_preactivation.copy(),
                               layer.last_output.copy(), [g.copy() for g in layer.grads])
                              for layer in self.model.layers])


def build(activation="sigmoid", dtype=np.float64, bias=True, optimizer=None, seed=2, **last):
    model = nz.Sequential([Dense(10, activation=activation), Dense(6, activation=activation,
                                                                   use_bias=bias),
                           Dense(4, activation="softmax", **last)], seed=seed, dtype=dtype)
    model.compile(optimizer=optimizer or nz.optimizers.SGD(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=200, dtype=np.float64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 12)).astype(dtype)
    x[rng.random(x.shape) < 0.4] = 0.0  # sparse rows, as MNIST's
    return x, rng.integers(0, 4, n), rng.random(n) * 2


def assert_close(a, b, rtol):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape
    scale = max(float(np.abs(b).max(initial=0.0)), 1e-30)
    assert float(np.abs(a - b).max(initial=0.0)) <= rtol * scale


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_compiled_step_trains_as_the_numpy_step(monkeypatch, made, dtype, activation, weighted,
                                                bias):
    pytest.importorskip("numba")
    x, y, w = data(dtype=dtype)
    runs = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        made.clear()
        model, record = build(activation, dtype, bias), Record()
        model.fit(x, y, batch_size=1, verbose=0, callbacks=[record],
                  sample_weight=w if weighted else None)
        runs.append((model, record, compiled_steps(made)))
    (kernel, on, ran), (numpy, off, ran_off) = runs
    assert ran == len(x) and ran_off == 0  # every step compiled, then none
    rtol = RTOL[dtype]
    assert_close(on.losses, off.losses, rtol)
    for a, b in zip(kernel.params, numpy.params, strict=True):
        assert_close(a, b, rtol)
    for a, b in zip(kernel.grads, numpy.grads, strict=True):
        assert_close(a, b, rtol)
    assert kernel.optimizer.iterations == numpy.optimizer.iterations == len(x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_callbacks_see_what_the_numpy_step_leaves(monkeypatch, made, dtype):
    """last_input, last_preactivation, last_output and grads at on_batch_end."""
    pytest.importorskip("numba")
    x, y, _ = data(40, dtype)
    records = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        model, record = build("tanh", dtype, optimizer=nz.optimizers.SGD(0.01)), Record()
        model.fit(x, y, batch_size=1, verbose=0, shuffle=False, callbacks=[record])
        records.append(record.kept)
    assert compiled_steps(made) == len(x)
    for on, off in zip(*records, strict=True):
        for (xi, zi, ai, gi), (xo, zo, ao, go) in zip(on, off, strict=True):
            for a, b in zip((xi, zi, ai, *gi), (xo, zo, ao, *go), strict=True):
                assert a.dtype == b.dtype
                assert_close(a, b, RTOL[dtype])
    # Each layer's input is the previous layer's output, the first's the sample.
    assert np.array_equal(records[0][-1][0][0], x[-1:])
    assert np.array_equal(records[0][-1][1][0], records[0][-1][0][2])


def test_the_numpy_step_follows_a_compiled_one(monkeypatch):
    """A batch of five after one-sample steps, and model.trace, read what the
    compiled step left."""
    pytest.importorskip("numba")
    x, y, _ = data(21)
    model = build("relu")
    model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    model.fit(x, y, batch_size=5, epochs=1, verbose=0)
    traced = model.trace(x[:3], y[:3])
    assert traced is not None
    assert all(np.isfinite(p).all() for p in model.params)


SETUPS = {
    "adam": lambda: build(optimizer=nz.optimizers.Adam(0.01)),
    "sgd_momentum": lambda: build(optimizer=nz.optimizers.SGD(0.05, momentum=0.9)),
    "sgd_weight_decay": lambda: build(optimizer=nz.optimizers.SGD(0.05, weight_decay=1e-3)),
    "regularizer": lambda: build(kernel_regularizer=nz.regularizers.L2(1e-3)),
    "constraint": lambda: build(kernel_constraint=nz.constraints.MaxNorm(1.0)),
    "leaky_relu": lambda: build("leaky_relu"),
    "dropout": lambda: _with_dropout(),
    "label_smoothing": lambda: _with_label_smoothing(),
}


def _with_dropout():
    model = nz.Sequential([Dense(10, activation="sigmoid"), nz.layers.Dropout(0.3),
                           Dense(4, activation="softmax")], seed=2, dtype="float64")
    model.compile(optimizer=nz.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    return model


def _with_label_smoothing():
    model = build()
    model.compile(optimizer=nz.optimizers.SGD(0.05),
                  loss=nz.losses.SparseCategoricalCrossentropy(label_smoothing=0.1))
    return model


@pytest.mark.parametrize("setup", sorted(SETUPS) + ["kernels_off"])
def test_where_it_does_not_apply_the_numpy_step_runs_unchanged(monkeypatch, made, setup):
    x, y, _ = data(60)
    make = SETUPS.get(setup, build)
    results = []
    for enabled in (setup != "kernels_off", False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        model, record = make(), Record(keep=False)
        model.fit(x, y, batch_size=1, epochs=2, verbose=0, callbacks=[record])
        results.append((model, record.losses))
    assert all(s.compiled is None for s in made)
    (a, losses_a), (b, losses_b) = results
    assert losses_a == losses_b
    for pa, pb in zip(a.params, b.params, strict=True):
        assert pa.tobytes() == pb.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_non_finite_loss_updates_nothing(monkeypatch, dtype):
    pytest.importorskip("numba")
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        model = build("linear", dtype)  # inf stays inf (a sigmoid would make it 1)
        model.build((12,))
        train = step.TrainStep(model)
        assert (train.compiled is not None) == enabled
        xb = np.zeros((1, 12), dtype)
        train(xb + 1, np.array([1]), None)  # one finite step first
        before = [p.copy() for p in model.params], [g.copy() for g in model.grads]
        xb[0, 3] = np.inf
        out, loss = train(xb, np.array([2]), None)
        assert not math.isfinite(loss) and out.shape == (1, 4)
        assert model.optimizer.iterations == 1
        for now, then in zip(model.params + model.grads, before[0] + before[1], strict=True):
            assert now.tobytes() == then.tobytes()
        results.append(model)
    for a, b in zip(results[0].params, results[1].params, strict=True):
        assert_close(a, b, RTOL[dtype])


def test_a_huge_learning_rate_stops_training_as_the_numpy_step_does(monkeypatch, made):
    pytest.importorskip("numba")
    x, y, _ = data(50)
    runs = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        model = build("relu", optimizer=nz.optimizers.SGD(1e200))
        # The NumPy update overflows on the way (and tests raise on overflow).
        with pytest.warns(nz.errors.NonFiniteLossWarning), np.errstate(over="ignore",
                                                                        invalid="ignore"):
            history = model.fit(x, y, batch_size=1, epochs=3, verbose=0)
        runs.append((model, history))
    assert compiled_steps(made) > 0
    (a, ha), (b, hb) = runs
    assert ha.epoch == hb.epoch
    for pa, pb in zip(a.params, b.params, strict=True):
        assert pa.tobytes() == pb.tobytes()  # both back at the start of the failed epoch


def test_two_identical_runs_give_the_same_bits(made):
    pytest.importorskip("numba")
    x, y, w = data(100, np.float32)
    runs = []
    for _ in range(2):
        model, record = build("sigmoid", np.float32), Record()
        model.fit(x, y, batch_size=1, epochs=2, verbose=0, sample_weight=w, callbacks=[record])
        runs.append((model, record.losses))
    assert compiled_steps(made) == 400
    assert runs[0][1] == runs[1][1]
    for a, b in zip(runs[0][0].params, runs[1][0].params, strict=True):
        assert a.tobytes() == b.tobytes()


class CrashAt(nz.callbacks.Callback):
    def __init__(self, step):
        self.step, self.seen = step, 0

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            raise KeyboardInterrupt


@pytest.mark.parametrize("crash", [7, 33])
def test_resume_from_a_checkpoint_is_bit_identical(tmp_path, made, crash):
    pytest.importorskip("numba")
    x, y, _ = data(25)

    def make():
        lr = nz.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        return build("sigmoid", optimizer=nz.optimizers.SGD(lr))

    def fit(model, directory=None, callbacks=None):
        return model.fit(x, y, batch_size=1, epochs=2, verbose=0, callbacks=callbacks,
                         checkpoint_dir=directory, checkpoint_every=5 if directory else None)

    straight = make()
    history = fit(straight)
    with pytest.raises(KeyboardInterrupt):
        fit(make(), tmp_path, [CrashAt(crash)])
    assert (tmp_path / CHECKPOINT_FILE).exists()
    resumed = make()
    resumed_history = fit(resumed, tmp_path)
    assert compiled_steps(made) > 50
    for a, b in zip(straight.params, resumed.params, strict=True):
        assert a.tobytes() == b.tobytes()
    assert history.history["loss"] == resumed_history.history["loss"]
    assert straight.optimizer.iterations == resumed.optimizer.iterations == 50


@pytest.mark.parametrize("weighted", [False, True])
def test_per_sample_training_matches_pytorch(made, weighted):
    """The pattern of tests/test_torch_parity.py (float64 twins with the same
    weights), one sample per step: the weights agree to 1e-9 of their size."""
    pytest.importorskip("numba")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, y, w = rng.normal(size=(40, 6)), rng.integers(0, 3, 40), rng.random(40) * 2
    model = nz.Sequential([Dense(8, activation="tanh"), Dense(5, activation="relu"),
                           Dense(3, activation="softmax")], seed=0, dtype="float64")
    model.compile(optimizer=nz.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    model.build((6,))
    model.set_weights([rng.normal(scale=0.6 if v.ndim == 2 else 0.2, size=v.shape)
                       for v in model.get_weights()])
    linears = [torch.nn.Linear(a, b, dtype=torch.float64) for a, b in ((6, 8), (8, 5), (5, 3))]
    net = torch.nn.Sequential(linears[0], torch.nn.Tanh(), linears[1], torch.nn.ReLU(),
                              linears[2])
    with torch.no_grad():
        for linear, layer in zip(linears, model.layers, strict=True):
            linear.weight.copy_(torch.from_numpy(layer.kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.bias.copy()))
    initial = model.get_weights()
    model.fit(x, y, batch_size=1, epochs=3, shuffle=False, verbose=0,
              sample_weight=w if weighted else None)
    assert compiled_steps(made) == 120
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    xt, yt, wt = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(w)
    for _ in range(3):
        for i in range(len(x)):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xt[i:i + 1]), yt[i:i + 1],
                                                     reduction="none")
            (loss * wt[i] if weighted else loss).sum().backward()
            opt.step()
    diff = scale = 0.0
    for layer, linear in zip(model.layers, linears, strict=True):
        for ours, theirs in ((layer.kernel, linear.weight.T), (layer.bias, linear.bias)):
            theirs = theirs.detach().numpy()
            diff = max(diff, float(np.abs(ours - theirs).max()))
            scale = max(scale, float(np.abs(theirs).max()))
    assert diff / scale < 1e-9
    assert max(float(np.abs(a - b).max()) for a, b in
               zip(model.get_weights(), initial, strict=True)) > 1e-2  # it did train


def test_without_numba_the_numpy_step_runs(monkeypatch):
    import sys

    import nnzero.model

    monkeypatch.setattr(step_kernel, "_kernel", None)
    monkeypatch.setitem(sys.modules, "numba", None)  # import fails
    monkeypatch.delitem(sys.modules, "nnzero.model.step_kernel_loops", raising=False)
    monkeypatch.delattr(nnzero.model, "step_kernel_loops", raising=False)
    model = build()
    model.build((12,))
    assert step_kernel.kernel() is None and step_kernel.compiled_step(model) is None
    assert step.TrainStep(model).compiled is None


def test_other_samples_take_the_numpy_step():
    """A sample of another dtype, or a strided one, as a direct caller may pass."""
    pytest.importorskip("numba")
    model = build(dtype=np.float32)
    model.build((12,))
    train = step.TrainStep(model)
    assert train.compiled is not None
    x = np.random.default_rng(0).normal(size=(1, 24))
    train(x[:, ::2].astype(np.float32), np.array([1]), None)  # strided: compiled
    assert train.compiled.steps == 1
    out, loss = train(x[:, :12], np.array([1]), None)  # float64: NumPy's step
    assert train.compiled.steps == 1 and math.isfinite(loss) and out.shape == (1, 4)
    assert model.optimizer.iterations == 2

"""Every bad input gets one clear nnzero error that names the argument, raised
before any work starts: weights, optimizer state, random generator and files
are left exactly as they were."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import safetensors.numpy
from safetensors import safe_open

import nnzero as nz
from nnzero import (
    InvalidArgumentError,
    InvalidTypeError,
    ModelFileError,
    NNZeroError,
    NotCompiledError,
)
from nnzero.layers import Activation, Dense, Dropout, Flatten

N, N_FEATURES, N_CLASSES = 12, 5, 3
NAN, INF = float("nan"), float("inf")


# -- helpers -------------------------------------------------------------------


def data(n=N, features=N_FEATURES, classes=N_CLASSES):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)), np.arange(n) % classes


def classifier(loss="sparse_categorical_crossentropy", output="softmax", units=N_CLASSES, **kw):
    model = nz.Sequential(
        [Dense(4, activation="relu"), Dense(units, activation=output)], seed=0, **kw
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def trained_classifier(**kw):
    """A compiled, built model whose optimizer already has state."""
    model = classifier(**kw)
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    return model


def state_of(model):
    """Everything a failed call must leave alone."""
    return {
        "built": model.built,
        "weights": model.get_weights() if model.built else None,
        "rng": json.dumps(model.rng.bit_generator.state, default=str),
        "iterations": getattr(model.optimizer, "iterations", None),
        "slots": {
            k: [a.copy() for a in v] for k, v in getattr(model.optimizer, "slots", {}).items()
        },
        "optimizer": model.optimizer,
        "loss": model.loss,
        "metrics": list(model.metric_names),
    }


def assert_same_state(before, after):
    assert before["built"] == after["built"]
    if before["weights"] is not None:
        assert len(before["weights"]) == len(after["weights"])
        for a, b in zip(before["weights"], after["weights"], strict=True):
            assert np.array_equal(a, b)
    assert before["rng"] == after["rng"]
    assert before["iterations"] == after["iterations"]
    assert before["slots"].keys() == after["slots"].keys()
    for key, arrays in before["slots"].items():
        for a, b in zip(arrays, after["slots"][key], strict=True):
            assert np.array_equal(a, b)
    assert before["optimizer"] is after["optimizer"]
    assert before["loss"] is after["loss"]
    assert before["metrics"] == after["metrics"]


BUILTIN_BASE = {
    InvalidArgumentError: ValueError,
    InvalidTypeError: TypeError,
    NotCompiledError: RuntimeError,
    ModelFileError: ValueError,
}


def raises(exc, match):
    """pytest.raises that also checks the error is one plain nnzero error."""
    return _OneError(exc, match)


class _OneError:
    def __init__(self, exc, match):
        self.exc, self.match = exc, match

    def __enter__(self):
        self._ctx = pytest.raises(self.exc, match=self.match)
        self.info = self._ctx.__enter__()
        return self.info

    def __exit__(self, *exc_info):
        handled = self._ctx.__exit__(*exc_info)
        err = self.info.value
        assert isinstance(err, NNZeroError)
        assert isinstance(err, BUILTIN_BASE[self.exc])
        # One error, not a chain of tracebacks ending in NumPy's.
        assert err.__cause__ is None
        assert err.__context__ is None or err.__suppress_context__
        return handled


_DEFAULT = object()


def refuse_fit(model, exc, match, x=_DEFAULT, y=_DEFAULT, **kwargs):
    """fit must raise before touching the model."""
    dx, dy = data()
    x = dx if x is _DEFAULT else x
    y = dy if y is _DEFAULT else y
    before = state_of(model)
    kwargs.setdefault("verbose", 0)
    with raises(exc, match):
        model.fit(x, y, **kwargs)
    assert_same_state(before, state_of(model))


# Both a fresh (unbuilt) model and one already trained must refuse bad input.
@pytest.fixture(params=["fresh", "trained"])
def model(request):
    return classifier() if request.param == "fresh" else trained_classifier()


# -- x -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(N,), (N, N_FEATURES, 1), (N, 1, N_FEATURES, 1)])
def test_x_must_be_2d_without_flatten(model, shape):
    x = np.zeros(shape)
    refuse_fit(model, InvalidArgumentError, r"`x` must be 2-D", x=x)


def test_x_of_images_is_accepted_with_flatten_first():
    model = nz.Sequential([Flatten(), Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(np.zeros((N, 2, 3)), data()[1], verbose=0)
    assert model.input_shape == (2, 3)


@pytest.mark.parametrize(
    "x",
    [
        np.full((N, N_FEATURES), "a"),
        np.array([[object()] * N_FEATURES] * N, dtype=object),
        [[1.0, 2.0], [3.0]],
        np.ones((N, N_FEATURES)) + 1j,
        None,
    ],
    ids=["strings", "objects", "ragged", "complex", "none"],
)
def test_x_must_be_numeric(model, x):
    refuse_fit(model, InvalidTypeError, r"`x` must be", x=x)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_x_with_nan_or_inf(model, bad):
    x = data()[0]
    x[3, 2] = bad
    refuse_fit(model, InvalidArgumentError, r"`x` contains NaN or infinite", x=x)


def test_x_empty(model):
    refuse_fit(
        model,
        InvalidArgumentError,
        r"`x` must contain at least one sample",
        x=np.zeros((0, N_FEATURES)),
        y=np.zeros(0, dtype=int),
    )


@pytest.mark.parametrize("bad", [NAN, INF])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "mse"])
def test_y_with_nan_or_inf(bad, loss):
    model = classifier(loss=loss, output="linear", units=1 if loss == "mse" else N_CLASSES)
    y = data()[1].astype(float)
    y[4] = bad
    refuse_fit(model, InvalidArgumentError, r"`y` contains NaN or infinite", y=y)


def test_y_must_be_numeric(model):
    refuse_fit(model, InvalidTypeError, r"`y` must be numeric", y=np.array(["a"] * N))


def test_y_is_required(model):
    with raises(InvalidArgumentError, r"`y` is required"):
        model.fit(data()[0], None, verbose=0)


@pytest.mark.parametrize("n_y", [N - 1, N + 1])
def test_x_and_y_lengths_differ(model, n_y):
    refuse_fit(
        model,
        InvalidArgumentError,
        r"`x` and `y` must have the same number of samples",
        y=np.arange(n_y) % N_CLASSES,
    )


def test_transposed_x_leaves_an_unbuilt_model_unbuilt():
    # A failed call must not build the model for the wrong width.
    model = classifier()
    x, y = data()
    with raises(InvalidArgumentError, r"`x` and `y`"):
        model.fit(x.T, y, verbose=0)
    assert not model.built
    model.fit(x, y, verbose=0)
    assert model.input_shape == (N_FEATURES,)


# -- targets for each loss -----------------------------------------------------


@pytest.mark.parametrize("labels", [[-1], [N_CLASSES], [N_CLASSES + 5], [-3, N_CLASSES]])
def test_sparse_labels_outside_range(model, labels):
    y = data()[1].copy()
    y[: len(labels)] = labels
    refuse_fit(
        model, InvalidArgumentError, re.escape(f"`y` labels must be in [0, {N_CLASSES})"), y=y
    )


def test_sparse_labels_must_be_whole_numbers(model):
    y = data()[1].astype(float)
    y[0] = 0.5
    refuse_fit(model, InvalidArgumentError, r"`y` .*whole-number class indices", y=y)


def test_sparse_labels_given_one_hot_hint():
    y = np.eye(N_CLASSES)[data()[1]]
    refuse_fit(
        classifier(),
        InvalidArgumentError,
        r"`y` .*1-D .*class indices.*categorical_crossentropy",
        y=y,
    )


@pytest.mark.parametrize("width", [N_CLASSES - 1, N_CLASSES + 1])
def test_one_hot_width_must_match_output(width):
    model = classifier(loss="categorical_crossentropy")
    y = np.eye(width)[data()[1] % width]
    refuse_fit(
        model, InvalidArgumentError, rf"`y` for categorical_crossentropy .*width {N_CLASSES}", y=y
    )


def test_categorical_given_class_indices_hints_sparse():
    model = classifier(loss="categorical_crossentropy")
    refuse_fit(model, InvalidArgumentError, r"`y`.*sparse_categorical_crossentropy", y=data()[1])


@pytest.mark.parametrize("bad", [2.0, -1.0, 1.5])
def test_binary_crossentropy_targets_outside_unit_interval(bad):
    model = classifier(loss="binary_crossentropy", output="sigmoid", units=1)
    y = (data()[1] % 2).astype(float)
    y[0] = bad
    refuse_fit(model, InvalidArgumentError, r"`y` for binary_crossentropy .*\[0, 1\]", y=y)


def test_mse_target_width_must_match_output():
    model = classifier(loss="mse", output="linear", units=2)
    refuse_fit(
        model, InvalidArgumentError, r"`y` must have shape \(n_samples, 2\)", y=np.zeros((N, 3))
    )


# -- unknown names -------------------------------------------------------------

UNKNOWN = [
    # (kind, call, typo, suggestion, some valid names the message must list)
    ("activation", lambda n: Dense(2, activation=n), "rleu", "relu", nz.activations.names()),
    ("activation", lambda n: Activation(n), "tanhh", "tanh", nz.activations.names()),
    ("loss", lambda n: nz.Sequential([Dense(2)]).compile(loss=n), "mse_", "mse", nz.losses.names()),
    (
        "optimizer",
        lambda n: nz.Sequential([Dense(2)]).compile(optimizer=n),
        "adma",
        "adam",
        nz.optimizers.names(),
    ),
    (
        "initializer",
        lambda n: Dense(2, kernel_initializer=n),
        "he_nromal",
        "he_normal",
        nz.initializers.names(),
    ),
    (
        "initializer",
        lambda n: Dense(2, bias_initializer=n),
        "zeroes",
        "zeros",
        nz.initializers.names(),
    ),
    ("regularizer", lambda n: Dense(2, kernel_regularizer=n), "l22", "l2", ["l1", "l1_l2", "l2"]),
    (
        "metric",
        lambda n: nz.Sequential([Dense(2)]).compile(metrics=[n]),
        "accuracyy",
        "accuracy",
        ["acc", "accuracy", "mae", "mse"],
    ),
]


@pytest.mark.parametrize(
    "kind, call, typo, suggestion, valid", UNKNOWN, ids=[u[0] + "-" + u[2] for u in UNKNOWN]
)
def test_unknown_name_lists_valid_ones_and_suggests_closest(kind, call, typo, suggestion, valid):
    with raises(InvalidArgumentError, rf"Unknown {kind} '{typo}'") as info:
        call(typo)
    message = str(info.value)
    assert f"Did you mean {suggestion!r}?" in message
    for name in valid:
        assert name in message


def test_unknown_name_without_close_match_still_lists_valid_ones():
    with raises(InvalidArgumentError, r"Unknown activation 'zzzz'\. Valid activation names: "):
        Dense(2, activation="zzzz")


def test_failed_compile_keeps_previous_settings():
    model = trained_classifier()
    before = state_of(model)
    with raises(InvalidArgumentError, r"Unknown loss"):
        model.compile(optimizer="sgd", loss="nope")
    with raises(InvalidArgumentError, r"Unknown metric"):
        model.compile(optimizer="sgd", loss="mse", metrics=["nope"])
    with raises(InvalidTypeError, r"`metrics` must be a list"):
        model.compile(optimizer="sgd", loss="mse", metrics="accuracy")
    assert_same_state(before, state_of(model))


# -- numbers -------------------------------------------------------------------

OPTIMIZERS = [
    nz.optimizers.SGD,
    nz.optimizers.AdaGrad,
    nz.optimizers.RMSprop,
    nz.optimizers.Adam,
    nz.optimizers.AdamW,
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", [0, 0.0, -1e-3, NAN, INF, -INF])
def test_learning_rate_must_be_positive_and_finite(optimizer, lr):
    with raises(InvalidArgumentError, r"`learning_rate` must be finite and in \(0, inf\)"):
        optimizer(learning_rate=lr)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", ["0.1", None, [0.1], True])
def test_learning_rate_must_be_a_number(optimizer, lr):
    with raises(InvalidTypeError, r"`learning_rate`"):
        optimizer(learning_rate=lr)


def test_learning_rate_in_optimizer_config_dict():
    with raises(InvalidArgumentError, r"`learning_rate`"):
        nz.Sequential([Dense(2)]).compile(optimizer={"name": "adam", "learning_rate": -1})


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: nz.optimizers.Adam(beta_1=1.0), InvalidArgumentError, "beta_1"),
        (lambda: nz.optimizers.Adam(beta_2=-0.1), InvalidArgumentError, "beta_2"),
        (lambda: nz.optimizers.Adam(eps=0), InvalidArgumentError, "eps"),
        (lambda: nz.optimizers.SGD(momentum=-0.5), InvalidArgumentError, "momentum"),
        (lambda: nz.optimizers.SGD(weight_decay=NAN), InvalidArgumentError, "weight_decay"),
        (lambda: nz.optimizers.SGD(nesterov=True), InvalidArgumentError, "Nesterov"),
        (lambda: nz.optimizers.SGD(nesterov="yes"), InvalidTypeError, "nesterov"),
        (lambda: nz.optimizers.RMSprop(alpha=1.0), InvalidArgumentError, "alpha"),
        (lambda: nz.optimizers.AdaGrad(lr_decay=-1), InvalidArgumentError, "lr_decay"),
        (
            lambda: nz.Sequential([Dense(2)]).compile(optimizer={"name": "adam", "betas": 1}),
            InvalidArgumentError,
            "adam",
        ),
    ],
)
def test_optimizer_hyper_parameters(call, exc, name):
    with raises(exc, re.escape(name)):
        call()


@pytest.mark.parametrize(
    "batch_size, exc",
    [
        (0, InvalidArgumentError),
        (-4, InvalidArgumentError),
        (2.5, InvalidTypeError),
        (4.0, InvalidTypeError),
        ("4", InvalidTypeError),
        (True, InvalidTypeError),
    ],
)
def test_batch_size(model, batch_size, exc):
    refuse_fit(model, exc, r"`batch_size`", batch_size=batch_size)


@pytest.mark.parametrize("batch_size, exc", [(0, InvalidArgumentError), (2.5, InvalidTypeError)])
def test_batch_size_of_predict_and_evaluate(batch_size, exc):
    model = trained_classifier()
    x, y = data()
    with raises(exc, r"`batch_size`"):
        model.predict(x, batch_size=batch_size)
    with raises(exc, r"`batch_size`"):
        model.evaluate(x, y, batch_size=batch_size)


@pytest.mark.parametrize(
    "epochs, exc",
    [
        (-1, InvalidArgumentError),
        (1.5, InvalidTypeError),
        ("3", InvalidTypeError),
        (None, InvalidTypeError),
    ],
)
def test_epochs(model, epochs, exc):
    refuse_fit(model, exc, r"`epochs`", epochs=epochs)


def test_zero_epochs_is_allowed_and_does_nothing():
    model = trained_classifier()
    before = state_of(model)
    history = model.fit(*data(), epochs=0, verbose=0)
    assert history.history == {}
    assert_same_state(before, state_of(model))


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, NAN, INF])
def test_dropout_rate_outside_unit_interval(rate):
    with raises(InvalidArgumentError, r"`rate` must be finite and in \[0, 1\)"):
        Dropout(rate)


@pytest.mark.parametrize("rate", ["0.5", None])
def test_dropout_rate_type(rate):
    with raises(InvalidTypeError, r"`rate`"):
        Dropout(rate)


@pytest.mark.parametrize("verbose", [3, -1, "1", True])
def test_verbose(model, verbose):
    refuse_fit(model, InvalidArgumentError, r"`verbose`", verbose=verbose)


@pytest.mark.parametrize("shuffle", [1, "yes", None])
def test_shuffle_must_be_bool(model, shuffle):
    refuse_fit(model, InvalidTypeError, r"`shuffle`", shuffle=shuffle)


# -- not compiled --------------------------------------------------------------


def test_fit_before_compile():
    model = nz.Sequential([Dense(3)])
    with raises(NotCompiledError, r"compile\(optimizer, loss\) before fit"):
        model.fit(*data(), verbose=0)
    assert not model.built


def test_evaluate_before_compile():
    model = nz.Sequential([Dense(3)])
    with raises(NotCompiledError, r"compile\(optimizer, loss\) before evaluate"):
        model.evaluate(*data())


# -- predict -------------------------------------------------------------------


@pytest.mark.parametrize("features", [N_FEATURES - 1, N_FEATURES + 1])
def test_predict_with_wrong_feature_count(features):
    model = trained_classifier()
    x = np.zeros((3, features))
    for method in (model.predict, model.predict_proba, model.predict_classes):
        with raises(
            InvalidArgumentError,
            rf"`x` has samples of shape \({features},\).*built for \({N_FEATURES},\)",
        ):
            method(x)
    with raises(InvalidArgumentError, r"`x` has samples of shape"):
        model.evaluate(x, np.zeros(3, dtype=int))


def test_predict_with_nan():
    model = trained_classifier()
    with raises(InvalidArgumentError, r"`x` contains NaN"):
        model.predict(np.full((2, N_FEATURES), NAN))


# -- set_weights ---------------------------------------------------------------


def _refuse_set_weights(model, weights, exc, match):
    before = state_of(model)
    with raises(exc, match):
        model.set_weights(weights)
    assert_same_state(before, state_of(model))


def test_set_weights_wrong_count():
    model = trained_classifier()
    good = model.get_weights()
    _refuse_set_weights(model, good[:-1], InvalidArgumentError, r"set_weights expected 4 arrays")
    _refuse_set_weights(model, [*good, good[0]], InvalidArgumentError, r"expected 4 arrays")


def test_set_weights_wrong_shape_changes_nothing():
    model = trained_classifier()
    # Right shapes first, wrong one last: nothing may be written.
    weights = [w + 1 for w in model.get_weights()]
    weights[2] = weights[2].T
    _refuse_set_weights(
        model,
        weights,
        InvalidArgumentError,
        r"array 2 must have shape \(4, 3\)\. Received: \(3, 4\)",
    )
    weights = [w + 1 for w in model.get_weights()]
    weights[3] = weights[3][:, None]
    _refuse_set_weights(model, weights, InvalidArgumentError, r"array 3 must have shape")


def test_set_weights_non_numeric_changes_nothing():
    model = trained_classifier()
    weights = [w + 1 for w in model.get_weights()]
    weights[2] = np.full(weights[2].shape, "a")
    _refuse_set_weights(model, weights, InvalidTypeError, r"`weights\[2\]` must be numeric")
    weights[2] = [[1.0, [2.0]]]
    _refuse_set_weights(model, weights, InvalidTypeError, r"`weights\[2\]`")


@pytest.mark.parametrize("weights", [5, None, "abc"])
def test_set_weights_needs_a_list(weights):
    _refuse_set_weights(
        trained_classifier(), weights, InvalidTypeError, r"`weights` must be a list"
    )


def test_set_weights_on_unbuilt_model():
    with raises(InvalidArgumentError, r"set_weights needs a built model"):
        nz.Sequential([Dense(2)]).set_weights([np.zeros((3, 2)), np.zeros(2)])


# -- load_model ----------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    """A valid saved model, its metadata and tensors, and a writer of variants."""
    model = trained_classifier()
    path = tmp_path / "good.nnz"
    model.save(path)
    with safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}

    def write(name, tensors=tensors, metadata=metadata):
        target = tmp_path / name
        target.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
        return target

    return path, metadata, tensors, write


def _refuse_load(path, match=None):
    with raises(ModelFileError, match or re.escape(path.name)):
        nz.load_model(path)


def test_load_random_bytes(tmp_path):
    path = tmp_path / "random.nnz"
    path.write_bytes(np.random.default_rng(0).bytes(256))
    _refuse_load(path, r"random\.nnz.* is not an nnzero model")


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.nnz"
    path.write_bytes(b"")
    _refuse_load(path, r"empty\.nnz.* is not an nnzero model")


def test_load_json_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"layers": [{"name": "dense", "units": 3}]}))
    _refuse_load(path, r"model\.json.* is not an nnzero model")


@pytest.mark.parametrize("metadata", [None, {"format": "pt"}, {"format": "nnzero-x"}])
def test_load_safetensors_without_nnzero_metadata(tmp_path, metadata):
    path = tmp_path / "plain.safetensors"
    safetensors.numpy.save_file({"w": np.zeros((2, 2), np.float32)}, str(path), metadata=metadata)
    _refuse_load(path, r"plain\.safetensors.* is a safetensors file but not an nnzero model")


def test_load_missing_path(tmp_path):
    _refuse_load(tmp_path / "nope.nnz", r"No model file at .*nope\.nnz")


def test_load_directory(tmp_path):
    _refuse_load(tmp_path, r"No model file at")


def _with_model_config(metadata, change):
    config = json.loads(metadata["model"])
    change(config)
    return {**metadata, "model": json.dumps(config)}


def _set_layer(i, key, value):
    def change(config):
        config["layers"][i][key] = value

    return change


@pytest.mark.parametrize(
    "change, match",
    [
        (_set_layer(0, "name", "conv2d"), r"Unknown layer 'conv2d'"),
        (_set_layer(0, "activation", {"name": "swishy"}), r"Unknown activation 'swishy'"),
        (_set_layer(0, "units", "four"), r"`units` must be an integer"),
        (_set_layer(1, "units", 0), r"`units` must be >= 1"),
        (_set_layer(0, "bogus", 1), r"Invalid settings for layer 'dense'"),
        (lambda c: c.update(layers=[5]), r"`layer` must be a layer name"),
        (lambda c: c.update(layers="dense"), r"'layers' must be a list"),
        (lambda c: c.update(input_shape=None), r"never built"),
        (lambda c: c.update(input_shape=5), r"invalid model config"),
        (lambda c: c.update(seed=-1), r"`seed` must be >= 0"),
        (lambda c: c.update(dtype="float16"), r"`dtype` must be 'float32' or 'float64'"),
    ],
)
def test_load_bad_model_config(saved, change, match):
    _, metadata, tensors, write = saved
    path = write("bad.nnz", metadata=_with_model_config(metadata, change))
    _refuse_load(path, rf"bad\.nnz.*{match}")


def test_load_mismatched_tensor_shape(saved):
    _, metadata, tensors, write = saved
    bad = {**tensors, "layers.0.kernel": np.zeros((N_FEATURES + 1, 4), np.float32)}
    path = write("shape.nnz", tensors=bad)
    _refuse_load(path, r"tensor 'layers\.0\.kernel' has shape \(6, 4\), .*implies \(5, 4\)")


def test_load_missing_tensor(saved):
    _, metadata, tensors, write = saved
    bad = {k: v for k, v in tensors.items() if k != "layers.1.bias"}
    _refuse_load(write("missing.nnz", tensors=bad), r"lacks the tensor 'layers\.1\.bias'")


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("format_version", "99", r"format version '99'"),
        ("model", "{not json", r"malformed 'model' entry"),
        ("model", "[1, 2]", r"'model' entry must be a JSON object"),
        ("compile", "{", r"malformed 'compile' entry"),
        ("compile", json.dumps({"optimizer": "adam", "loss": "nope"}), r"Unknown loss 'nope'"),
        (
            "compile",
            json.dumps({"optimizer": {"name": "adam", "learning_rate": -1}, "loss": "mse"}),
            r"`learning_rate`",
        ),
        (
            "compile",
            json.dumps({"optimizer": "adam", "loss": "mse", "metrics": "accuracy"}),
            r"'metrics' must be a list",
        ),
        ("compile", json.dumps({"loss": "mse"}), r"invalid compile config"),
        (
            "optimizer_state",
            json.dumps({"iterations": "x", "slots": ["m", "v"]}),
            r"'iterations' must be an integer",
        ),
        (
            "optimizer_state",
            json.dumps({"iterations": 1, "slots": ["zz"]}),
            r"slots \['zz'\], but Adam",
        ),
        ("optimizer_state", json.dumps({"iterations": 1, "slots": "m"}), r"'slots' must be a list"),
    ],
)
def test_load_bad_metadata(saved, key, value, match):
    _, metadata, tensors, write = saved
    _refuse_load(write("meta.nnz", metadata={**metadata, key: value}), rf"meta\.nnz.*{match}")


def test_load_missing_optimizer_slot_tensor(saved):
    _, metadata, tensors, write = saved
    bad = {k: v for k, v in tensors.items() if k != "optimizer.v.2"}
    _refuse_load(write("slot.nnz", tensors=bad), r"lacks the tensor 'optimizer\.v\.2'")


def test_save_into_missing_directory_writes_nothing(tmp_path):
    model = trained_classifier()
    with raises(ModelFileError, r"directory .* does not exist"):
        model.save(tmp_path / "no" / "such" / "m.nnz")
    assert list(tmp_path.iterdir()) == []


def test_save_unbuilt_model(tmp_path):
    with raises(ModelFileError, r"not built"):
        nz.Sequential([Dense(2)]).save(tmp_path / "m.nnz")
    assert list(tmp_path.iterdir()) == []


# -- step activation -----------------------------------------------------------


@pytest.mark.parametrize("name", ["step", "heaviside"])
@pytest.mark.parametrize("as_layer", [False, True])
def test_step_activation_refused_at_compile(name, as_layer):
    layers = [Dense(1), Activation(name)] if as_layer else [Dense(1, activation=name)]
    model = nz.Sequential(layers)
    with raises(InvalidArgumentError, r"step activation, which has no gradient"):
        model.compile(optimizer="sgd", loss="mse")
    assert not model.compiled


# -- validation data, weights, callbacks -----------------------------------------


@pytest.mark.parametrize(
    "split, exc, match",
    [
        (1.0, InvalidArgumentError, r"`validation_split` must be finite and in \[0, 1\)"),
        (-0.1, InvalidArgumentError, r"`validation_split`"),
        (NAN, InvalidArgumentError, r"`validation_split`"),
        ("0.2", InvalidTypeError, r"`validation_split`"),
        (1e-20, InvalidArgumentError, r"validation_split=1e-20 leaves no samples"),
        (0.99, InvalidArgumentError, r"validation_split=0\.99 leaves no samples"),
    ],
)
def test_validation_split(model, split, exc, match):
    refuse_fit(model, exc, match, validation_split=split)


def _val(x=None, y=None):
    vx, vy = data(6)
    return (vx if x is None else x, vy if y is None else y)


@pytest.mark.parametrize(
    "validation_data, match",
    [
        (np.zeros((6, N_FEATURES)), r"`validation_data` must be a tuple"),
        ((np.zeros((6, N_FEATURES)),), r"`validation_data` must be a tuple"),
        ((1, 2, 3, 4), r"`validation_data` must be a tuple"),
        ({"x": 1, "y": 2}, r"`validation_data` must be a tuple"),
        (_val(x=np.zeros((6, N_FEATURES + 1))), r"`validation_data\[0\]` has samples of shape"),
        (_val(x=np.full((6, N_FEATURES), NAN)), r"`validation_data\[0\]` contains NaN"),
        (_val(x=np.zeros(6)), r"`validation_data\[0\]` must be 2-D"),
        (_val(y=np.arange(6) + N_CLASSES), r"`validation_data\[1\]` labels must be in"),
        (_val(y=np.arange(5) % N_CLASSES), r"`x` and `validation_data\[1\]` must have the same"),
        ((*_val(), np.ones(5)), r"`validation_data\[2\]` must be 1-D with one weight per sample"),
        ((*_val(), -np.ones(6)), r"`validation_data\[2\]` must be non-negative"),
    ],
)
def test_validation_data_of_wrong_form(model, validation_data, match):
    refuse_fit(model, InvalidArgumentError, match, validation_data=validation_data)


def test_validation_data_non_numeric(model):
    refuse_fit(
        model,
        InvalidTypeError,
        r"`validation_data\[1\]` must be numeric",
        validation_data=_val(y=np.array(["a"] * 6)),
    )


@pytest.mark.parametrize(
    "weights, exc, match",
    [
        (np.ones(N - 1), InvalidArgumentError, r"`sample_weight` must be 1-D with one weight"),
        (np.ones((N, 1)), InvalidArgumentError, r"`sample_weight` must be 1-D"),
        (-np.ones(N), InvalidArgumentError, r"`sample_weight` must be non-negative"),
        (np.full(N, NAN), InvalidArgumentError, r"`sample_weight` contains NaN"),
        (np.full(N, "a"), InvalidTypeError, r"`sample_weight` must be numeric"),
    ],
)
def test_bad_sample_weight(model, weights, exc, match):
    refuse_fit(model, exc, match, sample_weight=weights)
    if model.built:
        with raises(exc, match):
            model.evaluate(*data(), sample_weight=weights)


@pytest.mark.parametrize(
    "class_weight, exc, match",
    [
        ([1.0, 2.0, 3.0], InvalidTypeError, r"`class_weight` must be a dict"),
        ({N_CLASSES: 1.0}, InvalidArgumentError, r"`class_weight` keys must be class indices in"),
        ({-1: 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({"a": 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({True: 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({0.0: 1.0}, InvalidArgumentError, r"`class_weight` keys"),
        ({0: -1.0}, InvalidArgumentError, r"`class_weight\[0\]` must be finite and in \[0, inf\)"),
        ({1: NAN}, InvalidArgumentError, r"`class_weight\[1\]`"),
        ({1: "2"}, InvalidTypeError, r"`class_weight\[1\]` must be a real number"),
    ],
)
def test_bad_class_weight(model, class_weight, exc, match):
    refuse_fit(model, exc, match, class_weight=class_weight)


@pytest.mark.parametrize(
    "callbacks, match",
    [
        ([lambda epoch, logs: None], r"`callbacks` must be nnzero\.callbacks\.Callback objects"),
        (["early_stopping"], r"`callbacks` must be"),
        (nz.callbacks.EarlyStopping(monitor="loss"), r"`callbacks` must be a list"),
        ("early_stopping", r"`callbacks` must be a list"),
    ],
)
def test_callbacks_must_be_callback_objects(model, callbacks, match):
    refuse_fit(model, InvalidTypeError, match, callbacks=callbacks)


@pytest.mark.parametrize(
    "callback, match",
    [
        (
            lambda: nz.callbacks.EarlyStopping(monitor="val_loss"),
            r"EarlyStopping monitors 'val_loss', which this training run will not log",
        ),
        (lambda: nz.callbacks.EarlyStopping(monitor="val_accuracy"), r"val_\* needs validation"),
        (lambda: nz.callbacks.EarlyStopping(monitor="mae"), r"monitors 'mae'"),
        (
            lambda: nz.callbacks.ModelCheckpoint("m.nnz", monitor="val_loss", save_best_only=True),
            r"ModelCheckpoint monitors 'val_loss'",
        ),
    ],
)
def test_monitoring_an_unlogged_key_fails_before_training(
    model, callback, tmp_path, monkeypatch, match
):
    monkeypatch.chdir(tmp_path)
    refuse_fit(model, InvalidArgumentError, match, callbacks=[callback()], epochs=3)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name, exc, match",
    [
        ("ckpt-{val_loss:.3f}.nnz", InvalidArgumentError, r"`filepath` .* KeyError: 'val_loss'"),
        ("ckpt-{epoch:.2q}.nnz", InvalidArgumentError, r"`filepath` .*ValueError"),
        ("ckpt-{}.nnz", InvalidArgumentError, r"`filepath` .*IndexError"),
        ("missing/ckpt-{epoch}.nnz", ModelFileError, r"`filepath` .*does not exist"),
    ],
)
def test_checkpoint_filepath_checked_before_training(model, tmp_path, name, exc, match):
    callback = nz.callbacks.ModelCheckpoint(str(tmp_path / name))
    refuse_fit(model, exc, match, callbacks=[callback], epochs=2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: nz.callbacks.EarlyStopping(patience=-1), InvalidArgumentError, r"`patience`"),
        (lambda: nz.callbacks.EarlyStopping(patience=1.5), InvalidTypeError, r"`patience`"),
        (lambda: nz.callbacks.EarlyStopping(mode="up"), InvalidArgumentError, r"`mode`"),
        (lambda: nz.callbacks.EarlyStopping(monitor=3), InvalidTypeError, r"`monitor`"),
        (lambda: nz.callbacks.EarlyStopping(min_delta=NAN), InvalidArgumentError, r"`min_delta`"),
        (
            lambda: nz.callbacks.ModelCheckpoint("m.nnz", mode="best"),
            InvalidArgumentError,
            r"`mode`",
        ),
        (lambda: nz.callbacks.LearningRateScheduler(0.1), InvalidTypeError, r"`schedule`"),
    ],
)
def test_callback_settings(call, exc, match):
    with raises(exc, match):
        call()


@pytest.mark.parametrize(
    "rate, exc",
    [(0.0, InvalidArgumentError), (NAN, InvalidArgumentError), ("fast", InvalidTypeError)],
)
def test_learning_rate_scheduler_returning_a_bad_rate(rate, exc):
    model = classifier()
    callback = nz.callbacks.LearningRateScheduler(lambda epoch, lr: rate)
    with raises(exc, r"LearningRateScheduler's schedule must return"):
        model.fit(*data(), epochs=2, callbacks=[callback], verbose=0)
    # The rate is checked at the start of the epoch, before any update.
    assert model.optimizer.iterations == 0


# -- model construction ----------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", ["float16", "int32", "complex128", "foo", np.int64, object(), None]
)
def test_dtype_other_than_float32_or_float64(dtype):
    with raises(InvalidArgumentError, r"`dtype` must be 'float32' or 'float64'"):
        nz.Sequential([Dense(2)], dtype=dtype)


@pytest.mark.parametrize(
    "seed, exc",
    [
        (-1, InvalidArgumentError),
        (1.5, InvalidTypeError),
        ("0", InvalidTypeError),
        (True, InvalidTypeError),
    ],
)
def test_seed(seed, exc):
    with raises(exc, r"`seed`"):
        nz.Sequential([Dense(2)], seed=seed)
    with raises(exc, r"`seed`"):
        nz.Perceptron(seed=seed)


@pytest.mark.parametrize(
    "units, exc",
    [
        (0, InvalidArgumentError),
        (-3, InvalidArgumentError),
        (2.5, InvalidTypeError),
        ("4", InvalidTypeError),
        (None, InvalidTypeError),
    ],
)
def test_dense_units(units, exc):
    with raises(exc, r"`units`"):
        Dense(units)


def test_dense_use_bias_must_be_bool():
    with raises(InvalidTypeError, r"`use_bias`"):
        Dense(2, use_bias="yes")


def test_sequential_takes_only_layers():
    with raises(InvalidTypeError, r"Sequential takes nnzero layers"):
        nz.Sequential([Dense(2), "relu"])


def test_model_without_layers():
    model = nz.Sequential([])
    model.compile(loss="mse")
    with raises(InvalidArgumentError, r"no layers"):
        model.fit(np.zeros((3, 2)), np.zeros(3), verbose=0)
    with raises(InvalidArgumentError, r"no layers"):
        model.predict(np.zeros((3, 2)))


def test_initializer_returning_wrong_shape():
    model = nz.Sequential([Dense(3, kernel_initializer=lambda shape, rng, dtype: np.zeros((2, 2)))])
    model.compile(loss="mse")
    with raises(InvalidArgumentError, r"kernel_initializer returned shape \(2, 2\)"):
        model.fit(np.zeros((4, 5)), np.zeros((4, 3)), verbose=0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: nz.losses.MeanSquaredError(from_logits=True), r"no logit form"),
        (lambda: nz.activations.LeakyReLU(negative_slope=-1), r"`negative_slope`"),
        (lambda: nz.activations.ELU(alpha=INF), r"`alpha`"),
        (lambda: nz.regularizers.L2(-0.1), r"`l2`"),
        (lambda: nz.regularizers.L1(NAN), r"`l1`"),
        (lambda: nz.initializers.RandomNormal(stddev=0), r"`stddev`"),
        (lambda: nz.schedules.StepDecay(0.1, step_size=0), r"`step_size`"),
        (lambda: nz.schedules.ExponentialDecay(-0.1, 10, 0.5), r"`initial_learning_rate`"),
        (lambda: nz.schedules.CosineDecay(0.1, 10, alpha=2.0), r"`alpha`"),
        (lambda: nz.limit_threads(0), r"`n`"),
    ],
)
def test_other_settings_out_of_range(call, match):
    with raises(InvalidArgumentError, match):
        call()


def test_from_logits_must_be_bool():
    with raises(InvalidTypeError, r"`from_logits`"):
        nz.losses.BinaryCrossentropy(from_logits=1)


# -- user-defined objects --------------------------------------------------------


class ForwardOnly:
    def forward(self, z):
        return z


class ValueOnly:
    def value(self, y_true, y_pred):
        return 0.0


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: Dense(2, activation=ForwardOnly()), "activation"),
        (lambda: Activation(ForwardOnly()), "activation"),
        (lambda: Dense(2, activation=5), "activation"),
        (lambda: nz.Sequential([Dense(2)]).compile(loss=ValueOnly()), "loss"),
        (lambda: nz.Sequential([Dense(2)]).compile(optimizer=object()), "optimizer"),
        (lambda: Dense(2, kernel_initializer=5), "kernel_initializer"),
        (lambda: Dense(2, bias_initializer=[0.0]), "bias_initializer"),
        (lambda: Dense(2, kernel_regularizer=ForwardOnly()), "kernel_regularizer"),
    ],
)
def test_object_missing_required_methods(call, argument):
    with raises(InvalidTypeError, rf"^`{argument}` must be an? \w+ name \(.*\) or an object with"):
        call()


def test_custom_activation_message_names_the_missing_method():
    with raises(InvalidTypeError, r"a forward\(\) method and a derivative\(\) method") as info:
        Dense(2, activation=ForwardOnly())
    assert "ForwardOnly" in str(info.value)


# -- Perceptron ------------------------------------------------------------------


def test_perceptron_needs_exactly_two_classes():
    x, y = data()
    with raises(InvalidArgumentError, r"exactly two classes\. Received: 3"):
        nz.Perceptron().fit(x, y)
    with raises(InvalidArgumentError, r"exactly two classes\. Received: 1"):
        nz.Perceptron().fit(x, np.zeros(N))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: nz.Perceptron(learning_rate=0), InvalidArgumentError, r"`learning_rate`"),
        (lambda: nz.Perceptron(max_epochs=0), InvalidArgumentError, r"`max_epochs`"),
        (
            lambda: nz.Perceptron().fit(np.ones(4), [0, 1, 0, 1]),
            InvalidArgumentError,
            r"`x` must be 2-D",
        ),
        (
            lambda: nz.Perceptron().fit(np.ones((4, 2)), [0, 1, 0]),
            InvalidArgumentError,
            r"`y` must be 1-D with one label per row",
        ),
        (
            lambda: nz.Perceptron().fit(np.full((2, 2), INF), [0, 1]),
            InvalidArgumentError,
            r"`x` contains NaN",
        ),
        (
            lambda: nz.Perceptron().fit(np.full((2, 2), "a"), [0, 1]),
            InvalidTypeError,
            r"`x` must be numeric",
        ),
        (lambda: nz.Perceptron().predict(np.ones((2, 2))), InvalidArgumentError, r"not fitted"),
        (
            lambda: nz.Perceptron().fit(np.eye(2), [0, 1]).predict(np.ones((2, 3))),
            InvalidArgumentError,
            r"`x` must have shape \(n, 2\)",
        ),
    ],
)
def test_perceptron_bad_input(call, exc, match):
    with raises(exc, match):
        call()


def test_error_classes_are_builtin_subclasses():
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(InvalidTypeError, TypeError)
    assert issubclass(NotCompiledError, RuntimeError)
    assert issubclass(ModelFileError, ValueError)
    assert issubclass(nz.DatasetNotFoundError, FileNotFoundError)
    assert issubclass(nz.NonFiniteLossWarning, RuntimeWarning)
    for cls in BUILTIN_BASE:
        assert issubclass(cls, NNZeroError)

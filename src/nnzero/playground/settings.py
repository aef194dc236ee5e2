"""The settings of one playground run, checked once before any work.

A page sends its settings as a flat JSON object (the same keys its URL
holds); :func:`check_settings` fills in defaults, checks every value and
returns a new dictionary, or raises :class:`PlaygroundError` naming the key.

Example
-------
>>> from nnzero.playground.settings import check_settings
>>> s = check_settings({"dataset": "xor", "layers": [4, 2]})
>>> s["dataset"], s["layers"], s["problem"]
('xor', [4, 2], 'classification')
"""

from __future__ import annotations

import math

from ..errors import InvalidArgumentError

__all__ = [
    "ACTIVATIONS",
    "CLASSIFICATION_SETS",
    "DEFAULTS",
    "FEATURES",
    "MAX_LAYERS",
    "MAX_NEURONS",
    "OPTIMIZERS",
    "PlaygroundError",
    "REGRESSION_SETS",
    "check_settings",
]

#: Built-in data sets of each kind of problem.
CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_SETS = ("plane", "multigauss")
#: Data that comes from the user: an uploaded CSV file or points clicked on the plane.
USER_SETS = ("upload", "custom")
#: Input features, in the order the network receives them.
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
#: The optimizers offered; "momentum" is SGD with a momentum of 0.9.
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")
REGULARIZATIONS = ("none", "l1", "l2")
MAX_LAYERS = 6
MAX_NEURONS = 8

DEFAULTS = {
    "problem": "classification",
    "dataset": "circle",
    "noise": 0.0,  # share of the data's spread added as noise, 0 to 0.5
    "train_ratio": 0.5,  # share of the points used for training
    "batch_size": 10,
    "features": ["x1", "x2"],
    "layers": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "optimizer": "sgd",
    "regularization": "none",
    "reg_rate": 0.0,
    "dropout": 0.0,
    "batch_norm": False,
    "seed": 0,
}


class PlaygroundError(InvalidArgumentError):
    """A playground setting, upload or request is invalid; the message says which."""


def check_settings(values: dict | None = None) -> dict:
    """Defaults updated with ``values``, every value checked.

    Raises
    ------
    PlaygroundError
        An unknown key, or a value of the wrong type or range; the message
        names the key and echoes the value received.

    Example
    -------
    >>> from nnzero.playground.settings import check_settings
    >>> check_settings({"noise": 0.1})["noise"]
    0.1
    >>> check_settings({"layers": [9]})
    Traceback (most recent call last):
    ...
    nnzero.playground.settings.PlaygroundError: layers: each layer has 1 to 8 neurons. ...
    """
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise PlaygroundError(f"settings must be an object. Received: {type(values).__name__}")
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise PlaygroundError(f"Unknown setting {unknown[0]!r}. Valid: {', '.join(DEFAULTS)}.")
    s = {**DEFAULTS, **values}
    s["problem"] = _choice(s, "problem", ("classification", "regression"))
    kinds = CLASSIFICATION_SETS if s["problem"] == "classification" else REGRESSION_SETS
    s["dataset"] = _choice(s, "dataset", (*kinds, *USER_SETS))
    s["noise"] = _number(s, "noise", 0.0, 0.5)
    s["train_ratio"] = _number(s, "train_ratio", 0.1, 0.9)
    s["batch_size"] = _integer(s, "batch_size", 1, 500)
    s["features"] = _features(s["features"])
    s["layers"] = _layers(s["layers"])
    s["activation"] = _choice(s, "activation", ACTIVATIONS)
    s["learning_rate"] = _number(s, "learning_rate", 1e-6, 10.0)
    s["optimizer"] = _choice(s, "optimizer", OPTIMIZERS)
    s["regularization"] = _choice(s, "regularization", REGULARIZATIONS)
    s["reg_rate"] = _number(s, "reg_rate", 0.0, 10.0)
    s["dropout"] = _number(s, "dropout", 0.0, 0.9)
    if not isinstance(s["batch_norm"], bool):
        raise PlaygroundError(f"batch_norm must be true or false. Received: {s['batch_norm']!r}")
    s["seed"] = _integer(s, "seed", 0, 2**31 - 1)
    return s


def _choice(s, key, valid) -> str:
    value = s[key]
    if not isinstance(value, str) or value not in valid:
        raise PlaygroundError(f"{key} must be one of {', '.join(valid)}. Received: {value!r}")
    return value


def _number(s, key, low, high) -> float:
    value = s[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlaygroundError(f"{key} must be a finite number. Received: {value!r}")
    if not low <= value <= high:
        raise PlaygroundError(f"{key} must be between {low:g} and {high:g}. Received: {value!r}")
    return float(value)


def _integer(s, key, low, high) -> int:
    value = s[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlaygroundError(f"{key} must be a whole number. Received: {value!r}")
    if not low <= value <= high:
        raise PlaygroundError(f"{key} must be between {low} and {high}. Received: {value!r}")
    return value


def _features(value) -> list[str]:
    if not isinstance(value, list) or not value or any(f not in FEATURES for f in value):
        raise PlaygroundError(
            f"features must be a non-empty list of {', '.join(FEATURES)}. Received: {value!r}")
    # The network's input order is the fixed order of FEATURES, whatever the page sent.
    return [f for f in FEATURES if f in value]


def _layers(value) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_LAYERS:
        raise PlaygroundError(
            f"layers must be a list of at most {MAX_LAYERS} neuron counts. Received: {value!r}")
    if any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_NEURONS
           for n in value):
        raise PlaygroundError(
            f"layers: each layer has 1 to {MAX_NEURONS} neurons. Received: {value!r}")
    return list(value)

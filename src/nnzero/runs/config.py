"""The settings of one training run: defaults, a TOML file, then flags.

A run is described by a flat table of keys (``dataset``, ``layers``,
``epochs``...). :func:`resolve_config` starts from :data:`DEFAULTS`, applies
a TOML file's keys, then the command line's, and checks every value once, so
that a mistake is reported before any data is loaded. An unknown key is
named together with the closest valid one.

Example
-------
>>> from nnzero.runs.config import resolve_config
>>> config = resolve_config(overrides={"dataset": "moons", "layers": "16,8"})
>>> config["layers"], config["epochs"]
([16, 8], 10)
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import sys
from pathlib import Path

from .._validation import (
    FLOAT_DTYPES,
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_positive,
    check_string,
)
from ..errors import InvalidArgumentError, InvalidTypeError
from .checks import (
    check_activations,
    check_csv_format,
    check_kernel_initializers,
    check_layers,
    check_names,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DATASETS",
    "DEFAULTS",
    "DEFAULT_DATASET",
    "DTYPES",
    "IMAGE_DATASETS",
    "MOMENTUM_OPTIMIZERS",
    "SCHEDULES",
    "REGRESSION_DATASETS",
    "TOY_DATASETS",
    "ConfigError",
    "load_toml",
    "resolve_config",
    "to_toml",
]

#: Image data sets: name -> side of the square images.
IMAGE_DATASETS = {"mnist": 28, "fashion-mnist": 28, "digits": 8}
#: Synthetic sets generated from ``seed`` (two features, three for tutorial_001).
TOY_DATASETS = ("moons", "circles", "blobs", "xor", "spirals", "tutorial_001")
#: Synthetic regression sets (a numeric target; loss = "mse").
REGRESSION_DATASETS = ("sine", "friedman")
DATASETS = (*IMAGE_DATASETS, *TOY_DATASETS, *REGRESSION_DATASETS)
#: The data set of a run that names neither ``dataset`` nor ``csv``.
DEFAULT_DATASET = "mnist"

#: Every key a run accepts, with its default. ``None`` means "not set".
DEFAULTS = {
    "dataset": None,  # DEFAULT_DATASET unless csv is given
    "csv": None,
    "target": None,  # a column name, or its index (0 the first, -1 the last)
    "encoding": None,  # of the CSV file (default utf-8)
    "delimiter": None,  # of the CSV file (default: sniffed from the header)
    "standardize": True,  # CSV features scaled to mean 0, variance 1 (folded into the model)
    "data_dir": None,
    "samples": 1000,  # size of a generated toy set
    "limit": None,
    "test_split": 0.2,  # share held out for testing where a set has no test part
    "pooled_test_split": 0.0,  # pool an image set's train and test parts, hold out this share
    "validation_split": 0.1,
    "split_seed": None,  # seed of the validation split (default: seed)
    "layers": [128, 64],
    "activation": "relu",  # or a list of one per hidden layer
    "kernel_initializer": "glorot_uniform",
    "output_activation": "auto",
    "loss": "sparse_categorical_crossentropy",
    "optimizer": "adam",
    "learning_rate": None,  # the optimizer's own default
    "momentum": 0.0,
    "nesterov": False,
    "schedule": "constant",  # or "cosine": cosine decay to 0 over all epochs
    "warmup": 0,  # epochs of linear warm-up before the cosine decay
    "epochs": 10,
    "batch_size": 128,
    "augment_shift": 0,  # random shifts of the training images by up to N pixels
    "augment_flip": False,  # random left-right mirror images of the training images
    "input_dropout": 0.0,  # dropout on the inputs, before the first layer
    "dropout": 0.0,
    "batch_norm": False,  # batch normalisation before each hidden activation
    "use_bias": True,  # a bias in every Dense layer (tutorial 003 has none)
    "log_every": None,  # keep the loss and accuracy of every N batches (batch_history.json)
    "layer_stats": 0,  # per-layer statistics every N updates (0: none; layer_stats.json)
    "l2": 0.0,
    "max_norm": 0.0,  # cap on each unit's incoming weight norm (0: none)
    "label_smoothing": 0.0,
    "class_weight": None,  # or "balanced": every class weighs alike in the loss
    "early_stopping": 0,  # patience in epochs (0: off); the best weights are kept
    "seed": 0,
    "dtype": "float32",
    "out": None,  # runs/<dataset name>
}

#: Keys holding input paths, which a config file gives relative to itself.
PATH_KEYS = ("csv", "data_dir")
#: Largest seed: scikit-learn's generators (toy sets, digits) take 32 bits.
MAX_SEED = 2**32 - 1

#: Optimizers that take ``momentum``.
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")
#: Learning-rate schedules a run may use.
SCHEDULES = ("constant", "cosine")
#: Float types a run may train in.
DTYPES = tuple(FLOAT_DTYPES)


class ConfigError(InvalidArgumentError):
    """A run's settings are invalid: an unknown key, a wrong type or value."""


def load_toml(path) -> dict:
    """Read a run's settings from a TOML file (keys as in :data:`DEFAULTS`).

    Hyphens in keys are read as underscores, so ``learning-rate`` works too.
    The input paths (``csv``, ``data_dir``) are relative to the file's own
    directory, so the file works from wherever it is run.

    Example
    -------
    >>> import tempfile, os
    >>> from nnzero.runs.config import load_toml
    >>> path = os.path.join(tempfile.mkdtemp(), "run.toml")
    >>> _ = open(path, "w").write('dataset = "moons"\\nlearning-rate = 0.01\\n')
    >>> load_toml(path)
    {'dataset': 'moons', 'learning_rate': 0.01}
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            table = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"Config file {str(path)!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"Config file {str(path)!r} cannot be read: {err}") from None
    except (ValueError, RecursionError) as err:
        # TOMLDecodeError is a ValueError, as are integers of more digits than
        # Python converts; deeply nested arrays or tables exhaust the recursion.
        raise ConfigError(f"Config file {str(path)!r} is not valid TOML: {err}") from None
    values = {key.replace("-", "_"): value for key, value in table.items()}
    for key in PATH_KEYS:
        # A file's paths are relative to the file, wherever it is run from.
        if isinstance(values.get(key), str) and not os.path.isabs(values[key]):
            values[key] = os.path.normpath(os.path.join(path.parent, values[key]))
    return values


def resolve_config(file_values: dict | None = None, overrides: dict | None = None,
                   *, source: str = "config") -> dict:
    """Merge defaults, a config file's values and overrides, and check them.

    ``overrides`` (usually the command-line flags) win over ``file_values``;
    keys whose value is ``None`` in ``overrides`` are ignored, so unset flags
    do not erase the file's settings. ``source`` names the file in messages.

    Raises
    ------
    ConfigError
        An unknown key (with the closest valid key), or a value of the wrong
        type or range.

    Example
    -------
    >>> from nnzero.runs.config import resolve_config
    >>> resolve_config({"epochs": 3}, {"epochs": 5, "seed": None})["epochs"]
    5
    >>> resolve_config({"epoch": 3}, source="run.toml")
    Traceback (most recent call last):
    ...
    nnzero.runs.config.ConfigError: Unknown key 'epoch' in run.toml. Did you mean 'epochs'? ...
    """
    config = dict(DEFAULTS)
    for values, where in ((file_values or {}, source), (overrides or {}, "the options")):
        for key, value in values.items():
            if key not in DEFAULTS:
                close = difflib.get_close_matches(key, DEFAULTS, n=1, cutoff=0.5)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(
                    f"Unknown key {key!r} in {where}.{hint} "
                    f"Valid keys: {', '.join(DEFAULTS)}."
                )
            if value is not None:
                config[key] = value
    return _check(config)


def to_toml(config: dict) -> str:
    """Write a resolved config as TOML that :func:`load_toml` reads back.

    Keys whose value is ``None`` are left out, as TOML has no null.

    Example
    -------
    >>> from nnzero.runs.config import to_toml
    >>> print(to_toml({"dataset": "moons", "layers": [8, 4], "csv": None}))
    dataset = "moons"
    layers = [8, 4]
    <BLANKLINE>
    """
    lines = []
    for key, value in config.items():
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(map(_toml_value, value))}]")
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    # JSON's strings, numbers and booleans are valid TOML; a table of them
    # becomes an inline table.
    if isinstance(value, dict):
        items = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return f"{{ {items} }}"
    # Characters beyond the BMP as themselves: JSON's surrogate-pair escapes
    # are not TOML; DEL is the one control JSON leaves raw and TOML refuses.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


# -- checks ----------------------------------------------------------------------
#
# Every value is checked by the library's own argument checks
# (:mod:`nnzero._validation`), called with the config key as the argument's
# name, so that a run reports a bad value in the same words as the Python API;
# their errors become a ConfigError.

@contextlib.contextmanager
def _as_config_error():
    try:
        yield
    except (InvalidArgumentError, InvalidTypeError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(str(err)) from None


def _check(config: dict) -> dict:
    with _as_config_error():
        return _check_values(config)


def _check_values(config: dict) -> dict:
    c = config
    for key in ("csv", "target", "data_dir", "out", "encoding", "delimiter"):
        if c[key] is not None and not (key == "target" and isinstance(c[key], int)
                                       and not isinstance(c[key], bool)):
            value = c[key] if key == "target" else _fspath(c[key])
            c[key] = check_string(value, key)
    check_csv_format(c)
    if c["csv"] is not None and c["dataset"] is not None:
        raise ConfigError(
            f"Give either dataset or csv, not both. Received: dataset={c['dataset']!r}, "
            f"csv={c['csv']!r}"
        )
    if c["csv"] is None:
        if c["target"] is not None:
            raise ConfigError("target names a column of a CSV file; it needs csv as well.")
        dataset = DEFAULT_DATASET if c["dataset"] is None else check_string(c["dataset"],
                                                                            "dataset")
        c["dataset"] = check_choice(dataset.lower(), "dataset", DATASETS)
    c["layers"] = check_layers(c["layers"])
    c["activation"] = check_activations(c["activation"], len(c["layers"]))
    for key in ("output_activation", "loss", "optimizer", "dtype", "schedule"):
        c[key] = check_string(c[key], key).lower()
    c["dtype"] = check_choice(c["dtype"], "dtype", DTYPES)
    c["schedule"] = check_choice(c["schedule"], "schedule", SCHEDULES)
    c["kernel_initializer"] = check_kernel_initializers(c)
    check_names(c)
    for key, low in (("samples", 4), ("epochs", 1), ("batch_size", 1), ("seed", 0),
                     ("warmup", 0), ("augment_shift", 0), ("split_seed", 0), ("limit", 2),
                     ("early_stopping", 0), ("log_every", 1), ("layer_stats", 0)):
        if c[key] is not None:  # split_seed and limit may be unset
            c[key] = check_int(_from_text(c[key], int), key, low=low)
    for key in ("seed", "split_seed"):
        if c[key] is not None and c[key] > MAX_SEED:
            raise ConfigError(f"{key} must be at most {MAX_SEED} (2**32 - 1). "
                              f"Received: {key}={c[key]}")
    if c["class_weight"] is not None:
        c["class_weight"] = check_choice(check_string(c["class_weight"], "class_weight").lower(),
                                         "class_weight", ("balanced",))
    if c["data_dir"] is not None and not Path(c["data_dir"]).is_dir():
        raise ConfigError(f"data_dir {c['data_dir']!r} is not a directory (it does not exist, "
                          "or is a file).")
    c["test_split"] = _fraction(c, "test_split", allow_zero=False)
    for key in ("validation_split", "dropout", "input_dropout", "label_smoothing",
                "pooled_test_split"):
        c[key] = _fraction(c, key, allow_zero=True)
    for key in ("max_norm", "l2"):
        c[key] = check_number(_from_text(c[key], float), key, low=0.0)
    # 1 or more never forgets a gradient: the steps grow without bound.
    c["momentum"] = check_number(_from_text(c["momentum"], float), "momentum", low=0.0,
                                 high=1.0, high_inclusive=False)
    if c["learning_rate"] is not None:
        c["learning_rate"] = check_positive(_from_text(c["learning_rate"], float),
                                            "learning_rate")
    for key in ("nesterov", "batch_norm", "augment_flip", "standardize", "use_bias"):
        c[key] = check_bool(c[key], key)
    _check_combinations(c)
    if c["out"] is None:
        name = c["dataset"] or Path(c["csv"]).stem
        c["out"] = os.path.join("runs", name)
    return c


def _check_combinations(c) -> None:
    """Settings that are valid alone but not together."""
    if c["nesterov"] and (c["optimizer"] != "sgd" or not c["momentum"]):
        raise ConfigError("nesterov needs optimizer = 'sgd' with momentum > 0. "
                          f"Received: optimizer={c['optimizer']!r}, momentum={c['momentum']}")
    if (c["augment_shift"] or c["augment_flip"]) and c["dataset"] not in IMAGE_DATASETS:
        raise ConfigError(
            "augment_shift and augment_flip apply to the image datasets only "
            f"({', '.join(IMAGE_DATASETS)}). Received: dataset={c['dataset'] or c['csv']!r}"
        )
    if c["augment_shift"] >= IMAGE_DATASETS.get(c["dataset"], 0) > 0:
        raise ConfigError(
            f"augment_shift must be below the image side ({IMAGE_DATASETS[c['dataset']]} pixels). "
            f"Received: augment_shift={c['augment_shift']}"
        )
    if c["warmup"] >= c["epochs"] or (c["warmup"] and c["schedule"] != "cosine"):
        raise ConfigError("warmup (epochs) needs schedule = 'cosine' and fewer warm-up epochs than "
                          f"epochs. Received: warmup={c['warmup']}, "
                          f"epochs={c['epochs']}, schedule={c['schedule']!r}")
    if c["pooled_test_split"] and c["dataset"] not in IMAGE_DATASETS:
        raise ConfigError(
            "pooled_test_split pools an image set's training and test parts; it applies to "
            f"{', '.join(IMAGE_DATASETS)} only. Received: dataset={c['dataset'] or c['csv']!r}")
    if c["label_smoothing"] and "categorical" not in c["loss"]:
        raise ConfigError("label_smoothing applies to the categorical cross-entropies only. "
                          f"Received: loss={c['loss']!r}")
    if c["dataset"] in REGRESSION_DATASETS and c["loss"] not in ("mse", "mean_squared_error"):
        raise ConfigError(f"dataset {c['dataset']!r} has a numeric target (a regression); it "
                          f"needs loss = 'mse'. Received: loss={c['loss']!r}")
    if c["early_stopping"] and not c["validation_split"]:
        raise ConfigError("early_stopping watches the validation loss; it needs "
                          "validation_split > 0.")
    if c["momentum"] and c["optimizer"] not in MOMENTUM_OPTIMIZERS:
        raise ConfigError(
            f"momentum applies to the {' and '.join(MOMENTUM_OPTIMIZERS)} optimizers only. "
            f"Received: optimizer={c['optimizer']!r}, momentum={c['momentum']}"
        )


def _fspath(value):
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _from_text(value, kind):
    """A number written as text (``"5"``) read as one; anything else unchanged,
    for the checks to judge."""
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _fraction(c, key, *, allow_zero) -> float:
    return check_number(_from_text(c[key], float), key, low=0.0, high=1.0,
                        low_inclusive=allow_zero, high_inclusive=False)



"""The data of a run: load the named set or CSV file, split it, encode targets.

Below, ``limit`` keeps 100 training images, of which the default
``validation_split`` holds out a tenth.

Example
-------
>>> from nnzero.runs.config import resolve_config
>>> from nnzero.runs.data import load_run_data
>>> data = load_run_data(resolve_config(overrides={"dataset": "digits", "limit": 100}))
>>> data.x_train.shape, data.n_classes, data.image_shape
((90, 64), 10, (8, 8))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..datasets.toy_regression import REGRESSION_TOY_SETS
from ..errors import InvalidArgumentError
from .config import IMAGE_DATASETS, TOY_DATASETS
from .csv_data import REGRESSION_LOSSES, load_csv_table

__all__ = ["FASHION_CLASSES", "RunData", "encode_targets", "find_idx_dataset", "load_run_data"]

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")


@dataclass
class RunData:
    """Train, validation and test arrays of a run, with what describes them.

    ``y_*`` are class indices ``0..n_classes-1`` (for a regression, the
    float32 values to predict, and ``class_names`` is empty); ``x_val`` is
    ``None`` when no validation set is held out. ``image_shape`` is set for
    image sets. ``extra["regression"]`` says whether the target is a value;
    a CSV file's run also has ``extra["feature_names"]``, ``["target"]``,
    ``["test_rows"]`` (the file's data-row number of each test sample, 1 for
    the first) and ``["scale_features"]``.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.runs.data import RunData
    >>> x, y = np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1])
    >>> RunData("toy", x, y, None, None, x, y, ["a", "b"]).n_features
    2
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    image_shape: tuple[int, int] | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def load_run_data(config: dict) -> RunData:
    """Load and split the data a resolved config names.

    Named image sets keep their own test part; toy sets and CSV files hold
    out ``test_split`` of their rows (stratified, from ``seed``). Then
    ``limit`` keeps the first training rows and ``validation_split`` holds
    out a stratified share of what remains for validation (drawn from
    ``split_seed`` when set, so that several seeds share one split).

    Example
    -------
    >>> from nnzero.runs.config import resolve_config
    >>> from nnzero.runs.data import load_run_data
    >>> data = load_run_data(resolve_config(overrides={"dataset": "moons", "samples": 200}))
    >>> len(data.x_train) + len(data.x_val) + len(data.x_test), data.class_names
    (200, ['0', '1'])
    """
    name, seed = config["dataset"], config["seed"]
    image_shape, source, extra = None, "", {}
    regression = False
    rows = None
    if config["csv"] is not None:
        table = load_csv_table(config["csv"], config["target"], loss=config["loss"],
                               encoding=config.get("encoding") or "utf-8",
                               delimiter=config.get("delimiter"))
        x, y, class_names, regression = table.x, table.y, table.class_names, table.regression
        # The file's data-row numbers (1 = the first row) travel with the split.
        (x_train, y_train), (x_test, y_test) = _split(x, y, config["test_split"], seed, "test",
                                                      stratify=not regression)
        _, (rows, _) = _split(np.arange(1, len(x) + 1).reshape(-1, 1), y, config["test_split"],
                              seed, "test", stratify=not regression)
        name, source = config["csv"], config["csv"]
        extra = {"feature_names": table.feature_names, "target": table.target,
                 "scale_features": True}
    elif name in IMAGE_DATASETS:
        (x_train, y_train), (x_test, y_test), source = _load_images(name, config)
        if config.get("pooled_test_split"):
            # Tutorial 003's split: every image pooled, a random share held out
            # (not stratified, as scikit-learn's train_test_split by default).
            pooled_seed = seed if config.get("split_seed") is None else config["split_seed"]
            (x_train, y_train), (x_test, y_test) = _split(
                np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]),
                config["pooled_test_split"], pooled_seed, "test", stratify=False)
            source += f" (training and test pooled, {config['pooled_test_split']:g} held out)"
        side = IMAGE_DATASETS[name]
        image_shape = (side, side)
        class_names = list(FASHION_CLASSES) if name == "fashion-mnist" else [
            str(i) for i in range(10)]
    elif name in REGRESSION_TOY_SETS:
        make = REGRESSION_TOY_SETS[name][0]
        x, y = make(n_samples=config["samples"], seed=seed)
        regression, class_names = True, []
        (x_train, y_train), (x_test, y_test) = _split(x, y, config["test_split"], seed, "test",
                                                      stratify=False)
        source = f"generated ({config['samples']} samples, seed {seed})"
    else:
        x, y = _make_toy(name, config["samples"], seed)
        (x_train, y_train), (x_test, y_test) = _split(x, y, config["test_split"], seed, "test")
        class_names = [str(i) for i in range(int(max(y.max(), y_test.max())) + 1)]
        source = f"generated ({config['samples']} samples, seed {seed})"
    if regression and config["loss"] not in REGRESSION_LOSSES:
        raise InvalidArgumentError(
            f"{name} has a numeric target to predict (a regression); it needs loss = 'mse'. "
            f"Received: loss={config['loss']!r}")
    if config["limit"] is not None:
        x_train, y_train = x_train[: config["limit"]], y_train[: config["limit"]]
    x_val = y_val = None
    if config["validation_split"] > 0:
        split_seed = seed if config.get("split_seed") is None else config["split_seed"]
        (x_train, y_train), (x_val, y_val) = _split(
            x_train, y_train, config["validation_split"], split_seed, "validation",
            stratify=not regression)
    dtype = np.dtype(config["dtype"])
    targets = np.float32 if regression else np.int64
    extra.update(regression=regression)
    if rows is not None:
        extra["test_rows"] = np.asarray(rows, dtype=np.int64).reshape(-1)
    return RunData(
        name=name,
        x_train=x_train.astype(dtype, copy=False),
        y_train=np.asarray(y_train, dtype=targets),
        x_val=None if x_val is None else x_val.astype(dtype, copy=False),
        y_val=None if y_val is None else np.asarray(y_val, dtype=targets),
        x_test=x_test.astype(dtype, copy=False),
        y_test=np.asarray(y_test, dtype=targets),
        class_names=class_names,
        image_shape=image_shape,
        source=source,
        extra=extra,
    )


def encode_targets(y, loss, n_outputs: int) -> np.ndarray:
    """Class indices in the form ``loss`` expects for ``n_outputs`` outputs.

    Sparse losses take the indices; a single output takes a 0/1 column;
    anything else takes one-hot rows.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero import losses
    >>> from nnzero.runs.data import encode_targets
    >>> encode_targets(np.array([0, 2]), losses.get("mse"), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    y = np.asarray(y, dtype=np.int64)
    if getattr(loss, "sparse_targets", False):
        return y
    if n_outputs == 1:
        return y.reshape(-1, 1).astype(np.float32)
    if y.size and y.max() >= n_outputs:
        raise InvalidArgumentError(
            f"The data has class {int(y.max())} but the model has only {n_outputs} outputs."
        )
    return np.eye(n_outputs, dtype=np.float32)[y]


def find_idx_dataset(name: str, data_dir=None):
    """Where an MNIST-style set's four files are, without downloading.

    Returns ``(label, directory)`` of the first place that has all four, or
    ``None``; places are searched as the loaders search them.

    Example
    -------
    >>> from nnzero.runs.data import find_idx_dataset
    >>> find_idx_dataset("mnist", "/nonexistent") is None or True
    True
    """
    from ..datasets import sources
    from ..datasets.mnist import DEFAULT_NAMES

    for label, directory in sources.candidate_dirs(name, data_dir):
        if all(sources.find_file(directory, f) is not None for f in DEFAULT_NAMES.values()):
            return label, directory
    return None


# -- loaders -------------------------------------------------------------------------

def _load_images(name, config):
    from .. import datasets

    if name == "digits":
        train, test = datasets.load_digits_fallback(
            test_fraction=config["test_split"], seed=config["seed"])
        return train, test, "scikit-learn's bundled digits"
    data_dir = config["data_dir"]
    if data_dir is not None and not Path(data_dir).is_dir():
        # Silently looking elsewhere would train on data the user did not point to.
        raise InvalidArgumentError(f"data_dir {str(data_dir)!r} is not a directory (it does "
                                   "not exist, or is a file).")
    loader = datasets.load_mnist if name == "mnist" else datasets.load_fashion_mnist
    train, test = loader(data_dir)
    found = find_idx_dataset(name, config["data_dir"])
    source = f"{found[0]}: {found[1]}" if found else "downloaded to the user cache"
    return train, test, source


def _make_toy(name, samples, seed):
    from .. import datasets

    if name not in TOY_DATASETS:  # the config check makes this unreachable from the CLI
        raise InvalidArgumentError(f"Unknown toy dataset {name!r}.")
    make = getattr(datasets, f"make_{name}")
    x, y = make(n_samples=samples, seed=seed)
    return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)


def _split(x, y, fraction, seed, what, stratify=True):
    """A stratified split where the classes allow one, else a plain one."""
    from .. import datasets

    if stratify:
        try:
            return datasets.train_val_split(x, y, val_fraction=fraction, seed=seed,
                                            stratify=True)
        except InvalidArgumentError:
            # Too few samples of some class to stratify (e.g. with a small --limit).
            pass
    try:
        return datasets.train_val_split(x, y, val_fraction=fraction, seed=seed, stratify=False)
    except InvalidArgumentError as err:
        raise InvalidArgumentError(
            f"Cannot hold out a {what} share of {fraction:g} from {len(x)} samples: {err}"
        ) from None

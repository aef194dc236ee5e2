"""One browser tab's run: its points, its network, its training and its frames.

A :class:`Session` owns everything of one page: the checked settings, the
points and their train/test split, an ``nnzero.Sequential`` with its own
random generator, and the epoch count. ``tick`` trains one epoch and
returns a frame: both losses, every neuron's output over a 50 x 50 grid
of the input plane, and the weights. The same settings always give the
same points, the same initial weights and the same run.

Example
-------
>>> from nnzero.playground.session import Session
>>> session = Session({"dataset": "xor", "layers": [4]})
>>> frame = session.tick()
>>> frame["epoch"], len(frame["neurons"]), len(frame["neurons"][0])
(1, 1, 4)
"""

from __future__ import annotations

import base64
import math
import threading
import warnings

import numpy as np

from .. import datasets, layers, optimizers, regularizers
from ..errors import NNZeroError, NonFiniteLossWarning
from ..model import Sequential
from .data import EXTENT, features, make_points, parse_upload
from .settings import PlaygroundError, check_settings

__all__ = ["GRID", "MAX_CUSTOM_POINTS", "MAX_DRAWN_POINTS", "Session", "build_network",
           "split_indices"]

#: Side of every heat map, in cells.
GRID = 50
MAX_CUSTOM_POINTS = 2000
#: Most points of each part (train, test) sent to the page to draw.
MAX_DRAWN_POINTS = 4000
_DATA_KEYS = ("problem", "dataset", "noise", "seed", "train_ratio")


def build_network(s: dict, n_inputs: int) -> Sequential:
    """The compiled network that settings ``s`` describe, for ``n_inputs`` features.

    It is laid out as ``nnzero.runs.build_model`` lays out a run's network
    (Dense, or Dense without bias + BatchNormalization + Activation, then
    Dropout, per hidden layer; one sigmoid unit for two classes, one linear
    unit for regression), so that an exported config trains the same network.

    Example
    -------
    >>> from nnzero.playground.session import build_network
    >>> from nnzero.playground.settings import check_settings
    >>> build_network(check_settings({"layers": [3]}), 2)
    Sequential([Dense, Dense], seed=0, dtype='float32')
    """
    rate = s["reg_rate"]
    reg = None
    if s["regularization"] == "l2" and rate > 0:
        reg = regularizers.L2(rate)
    elif s["regularization"] == "l1" and rate > 0:
        reg = regularizers.L1(rate)
    stack = []
    for units in s["layers"]:
        if s["batch_norm"]:
            stack += [layers.Dense(units, use_bias=False, kernel_regularizer=reg),
                      layers.BatchNormalization(), layers.Activation(s["activation"])]
        else:
            stack.append(layers.Dense(units, activation=s["activation"], kernel_regularizer=reg))
        if s["dropout"]:
            stack.append(layers.Dropout(s["dropout"]))
    classify = s["problem"] == "classification"
    stack.append(layers.Dense(1, activation="sigmoid" if classify else "linear",
                              kernel_regularizer=reg))
    model = Sequential(stack, seed=s["seed"], dtype="float32")
    # No metrics: the page shows losses only, and a per-batch accuracy would
    # cost about a tenth of every epoch without changing a weight.
    model.compile(optimizer=optimizers.get(optimizer_settings(s)),
                  loss="binary_crossentropy" if classify else "mse")
    model.build((n_inputs,))
    return model


def optimizer_settings(s: dict) -> dict:
    """The ``nnzero.optimizers.get`` table of settings ``s`` (momentum: SGD at 0.9).

    Example
    -------
    >>> from nnzero.playground.session import optimizer_settings
    >>> optimizer_settings({"optimizer": "momentum", "learning_rate": 0.1})
    {'name': 'sgd', 'learning_rate': 0.1, 'momentum': 0.9}
    """
    if s["optimizer"] == "momentum":
        return {"name": "sgd", "learning_rate": s["learning_rate"], "momentum": 0.9}
    return {"name": s["optimizer"], "learning_rate": s["learning_rate"]}


def split_indices(y: np.ndarray, test_fraction: float, seed: int, stratify: bool):
    """Train and test row indices, split as ``nnzero train`` splits a CSV file.

    Stratified where the classes allow it, else plain; the split depends on
    the labels and the seed only, so splitting row numbers gives the rows.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.playground.session import split_indices
    >>> train, test = split_indices(np.array([0, 1] * 5), 0.2, seed=0, stratify=True)
    >>> len(train), len(test)
    (8, 2)
    """
    rows = np.arange(len(y)).reshape(-1, 1)
    for strat in ((True, False) if stratify else (False,)):
        try:
            (train, _), (test, _) = datasets.train_val_split(
                rows, y, val_fraction=test_fraction, seed=seed, stratify=strat)
            return train[:, 0], test[:, 0]
        except NNZeroError:
            continue
    raise PlaygroundError(f"Cannot hold out a test share of {test_fraction:g} from {len(y)} "
                          "points; add points or change the ratio.")


class Session:
    """The state of one page: settings, points, network and epoch count.

    Every public method takes the session's lock, since the web server runs
    training in a worker thread while an upload or export may arrive.

    Parameters
    ----------
    settings : dict, optional
        Settings as :func:`nnzero.playground.settings.check_settings` takes them.

    Example
    -------
    >>> from nnzero.playground.session import Session
    >>> session = Session({"seed": 3})
    >>> session.epoch, session.settings["seed"]
    (0, 3)
    """

    def __init__(self, settings: dict | None = None):
        self.lock = threading.RLock()
        self.upload = None  # (x, y, problem, class_names) of the last good upload
        self.custom_x = np.zeros((0, 2))
        self.custom_y = np.zeros(0)
        g = np.linspace(-EXTENT, EXTENT, GRID)
        # Row 0 of every heat map is the top of the plane (largest x2).
        self.grid = np.stack(np.meshgrid(g, g[::-1]), axis=-1).reshape(-1, 2)
        self.settings = None
        self.apply(settings or {})

    # -- settings and data ----------------------------------------------------
    def apply(self, values: dict) -> None:
        """Check and take new settings; new points when the data changed; a new run."""
        with self.lock:
            s = check_settings(values)
            old = self.settings
            self.settings = s
            try:
                if old is None or any(old[k] != s[k] for k in _DATA_KEYS):
                    self._load_points()
                self._features()
                self.reset()
            except NNZeroError:
                self.settings = old
                if old is not None:
                    self._load_points()
                    self._features()
                    self.reset()
                raise

    def _load_points(self) -> None:
        s = self.settings
        if s["dataset"] == "upload":
            if self.upload is None:
                raise PlaygroundError("dataset: no CSV file has been uploaded yet.")
            x, y, problem, _ = self.upload
            if problem != s["problem"]:
                raise PlaygroundError(f"The uploaded file is a {problem} problem; "
                                      f"problem is {s['problem']}.")
        elif s["dataset"] == "custom":
            x, y = self.custom_x, self.custom_y
        else:
            x, y = make_points(s["dataset"], s["noise"], s["seed"])
        self.points, self.labels = x, y
        if len(y) < 4:
            raise PlaygroundError("dataset: needs at least 4 points; click on the plane "
                                  f"to add some (it has {len(y)}).")
        # 1 - train_ratio, computed exactly as the exported config's test_split is.
        self.train_rows, self.test_rows = split_indices(
            y, 1.0 - s["train_ratio"], s["seed"], s["problem"] == "classification")

    def _features(self) -> None:
        names = self.settings["features"]
        self.inputs = features(self.points, names).astype(np.float32)
        self.grid_inputs = features(self.grid, names).astype(np.float32)
        target = self.labels.astype(np.float32).reshape(-1, 1)
        self.x_train, self.y_train = self.inputs[self.train_rows], target[self.train_rows]
        self.x_test, self.y_test = self.inputs[self.test_rows], target[self.test_rows]

    def reset(self) -> None:
        """A new network from the seed; epoch 0."""
        with self.lock:
            self.model = build_network(self.settings, self.inputs.shape[1])
            self.epoch = 0
            self.diverged = False

    def load_upload(self, content: bytes) -> dict:
        """Take an uploaded CSV file and train on it from now on.

        Returns the new settings (``dataset = "upload"`` and the file's
        problem). A bad file raises :class:`PlaygroundError` and changes nothing.
        """
        parsed = parse_upload(content)
        with self.lock:
            previous = self.upload
            self.upload = parsed
            try:
                self.apply({**self.settings, "dataset": "upload", "problem": parsed[2]})
            except NNZeroError:
                self.upload = previous
                raise
            return self.settings

    def add_point(self, x1: float, x2: float, label: float) -> None:
        """Add a clicked point to the user's own set and train on that set."""
        with self.lock:
            classify = self.settings["problem"] == "classification"
            for name, v in (("x1", x1), ("x2", x2), ("label", label)):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                    raise PlaygroundError(f"{name} must be a finite number. Received: {v!r}")
            if abs(x1) > EXTENT or abs(x2) > EXTENT:
                raise PlaygroundError(f"A point must lie in [-{EXTENT:g}, {EXTENT:g}]². "
                                      f"Received: ({x1}, {x2})")
            if classify and label not in (0, 1) or not classify and abs(label) > 1:
                raise PlaygroundError(f"label must be 0 or 1 (or in [-1, 1] for regression). "
                                      f"Received: {label!r}")
            if len(self.custom_y) >= MAX_CUSTOM_POINTS:
                raise PlaygroundError(f"At most {MAX_CUSTOM_POINTS} points may be added.")
            if self.settings["dataset"] != "custom":
                # Start from the points on screen, so a click edits what is drawn.
                self.custom_x, self.custom_y = self.points.copy(), self.labels.copy()
            self.custom_x = np.vstack([self.custom_x, [[float(x1), float(x2)]]])
            self.custom_y = np.append(self.custom_y, float(label))
            self.settings = {**self.settings, "dataset": "custom"}
            self._load_points()
            self._features()
            self.reset()

    # -- training and frames --------------------------------------------------
    def train_epoch(self) -> None:
        """One pass over the training points, in mini-batches of ``batch_size``."""
        with self.lock, np.errstate(over="ignore", invalid="ignore"), \
                warnings.catch_warnings():
            # A diverging run shows as a loss of NaN on the page, which says what to do.
            warnings.simplefilter("ignore", NonFiniteLossWarning)
            history = self.model.fit(self.x_train, self.y_train, epochs=1,
                                     batch_size=self.settings["batch_size"], verbose=0)
            # fit keeps weights with finite outputs; the page still says it diverged.
            self.diverged = self.diverged or (history.stopped_reason or "").startswith(
                "non-finite")
            self.epoch += 1

    def tick(self) -> dict:
        """Train one epoch and return the frame to draw."""
        with self.lock:
            self.train_epoch()
            return self.frame()

    def losses(self) -> tuple[float, float | None]:
        """Train and test loss of the current weights (test is None without test points)."""
        with self.lock, np.errstate(over="ignore", invalid="ignore"):
            train = float(self.model.evaluate(self.x_train, self.y_train)["loss"])
            if self.diverged:
                return math.nan, (None if len(self.x_test) == 0 else math.nan)
            if len(self.x_test) == 0:
                return train, None
            return train, float(self.model.evaluate(self.x_test, self.y_test)["loss"])

    def neuron_maps(self) -> tuple[list[list[np.ndarray]], np.ndarray]:
        """Every hidden neuron's output over the grid, and the network's output there."""
        with self.lock, np.errstate(over="ignore", invalid="ignore"):
            h, maps = self.grid_inputs, []
            for block in self.blocks():
                for layer in block:
                    h = layer.forward(h, training=False)
                maps.append([h[:, j] for j in range(h.shape[1])])
            return maps[:-1], maps[-1][0]

    def blocks(self) -> list[list]:
        """The model's layers grouped by drawn column: each hidden layer, then the output."""
        groups, current = [], []
        for layer in self.model.layers:
            starts = isinstance(layer, layers.Dense)
            if starts and current:
                groups.append(current)
                current = []
            current.append(layer)
        groups.append(current)
        return groups

    def frame(self) -> dict:
        """What the page draws after an epoch, as JSON-ready values.

        ``neurons[l][j]`` is hidden neuron ``j`` of layer ``l`` over the grid,
        as base64 bytes (0 is -1 or below, 255 is +1 or above); ``output``
        is the network's output over the grid as base64 little-endian float32.
        """
        with self.lock:
            train_loss, test_loss = self.losses()
            hidden, output = self.neuron_maps()
            return {
                "type": "frame",
                "epoch": self.epoch,
                "train_loss": _finite(train_loss),
                "test_loss": _finite(test_loss),
                "neurons": [[_bytes(m) for m in layer] for layer in hidden],
                "output": _b64(np.nan_to_num(output).astype("<f4")),
                "weights": self.weights(),
            }

    def weights(self) -> list[dict]:
        """Each drawn column's incoming kernel (rows: inputs) and bias, rounded."""
        out = []
        for block in self.blocks():
            dense = block[0]
            bias = dense.bias if dense.bias is not None else np.zeros(dense.units)
            out.append({"kernel": np.round(np.nan_to_num(dense.kernel), 4).tolist(),
                        "bias": np.round(np.nan_to_num(bias), 4).tolist()})
        return out

    def data_message(self) -> dict:
        """The points and input-feature maps, sent when the data or features change."""
        with self.lock:
            s = self.settings
            cols = self.inputs.shape[1]
            grid = [_bytes(self.grid_inputs[:, j] / max(float(np.abs(self.grid_inputs[:, j])
                                                               .max()), 1e-12))
                    for j in range(cols)]
            return {
                "type": "data",
                "settings": s,
                "extent": EXTENT,
                "grid": GRID,
                "train": _points(self.points[self.train_rows], self.labels[self.train_rows]),
                "test": _points(self.points[self.test_rows], self.labels[self.test_rows]),
                "n_train": len(self.train_rows),
                "n_test": len(self.test_rows),
                "features": grid,
                "class_names": self.upload[3] if s["dataset"] == "upload" and self.upload
                else None,
            }

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output for points ``x`` of the plane (shape (n, 2))."""
        with self.lock:
            return self.model.predict(features(np.asarray(x, float), self.settings["features"])
                                      .astype(np.float32))


def _finite(v):
    return None if v is None or not np.isfinite(v) else round(v, 6)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _bytes(values: np.ndarray) -> str:
    scaled = (np.clip(np.nan_to_num(values), -1.0, 1.0) + 1.0) * 127.5
    return _b64(np.rint(scaled).astype(np.uint8))


def _points(x, y) -> list:
    # A large upload is drawn through an even sample of its points: a page redraws
    # them every frame, and more dots than pixels show nothing more.
    if len(x) > MAX_DRAWN_POINTS:
        keep = np.linspace(0, len(x) - 1, MAX_DRAWN_POINTS).astype(int)
        x, y = x[keep], y[keep]
    return np.round(np.column_stack([x, y]), 4).tolist()

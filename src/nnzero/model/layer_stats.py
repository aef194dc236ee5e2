"""Callbacks that watch training from the inside: :class:`LayerStats` (per
layer activations, saturation, gradient norms and update ratios) and
:class:`BatchLog` (what ``fit(..., log_every=N)`` keeps). Both are
re-exported by :mod:`nnzero.callbacks`.
"""

from __future__ import annotations

import numpy as np

from .._io import is_json_count, is_json_number
from .._validation import check_int
from ..layers.dense import Dense
from .callback_base import Callback

__all__ = ["BatchLog", "LayerStats"]


class LayerStats(Callback):
    """Per Dense layer, every ``every`` updates: how the layer's activations,
    gradients and updates look while training.

    Recorded for each Dense layer (``layers`` names them), one row per
    recorded update (``updates`` holds their numbers, from 0):

    - ``act_mean``, ``act_std``: mean and spread of the layer's outputs;
    - ``saturated``: share of sigmoid outputs below 0.05 or above 0.95 (its
      slope is then under 0.048), of tanh outputs beyond ±0.95, and of ReLU
      units that output 0 for every sample of the batch (dead); NaN for
      other activations;
    - ``grad_norm``: norm of the kernel's gradient ``|dL/dW|``;
    - ``update_ratio``: ``|ΔW| / |W|`` of that update — around 1e-3 is the
      usual healthy size, far less means the layer barely learns.

    Parameters
    ----------
    every : int, default 50
        Record every this many updates (the first update is always recorded).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(4, activation="sigmoid"),
    ...                        nz.layers.Dense(2, activation="softmax")], seed=0)
    >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    >>> stats = nz.callbacks.LayerStats(every=2)
    >>> _ = model.fit(np.ones((8, 3)), [0, 1] * 4, epochs=1, batch_size=2,
    ...               callbacks=[stats], verbose=0)
    >>> stats.updates, stats.layers
    ([0, 2], ['1: Dense(4, sigmoid)', '2: Dense(2, softmax)'])
    >>> stats.stats["grad_norm"].shape
    (2, 2)
    """

    STATS = ("act_mean", "act_std", "saturated", "grad_norm", "update_ratio")

    def __init__(self, every: int = 50):
        self.every = check_int(every, "every", low=1)
        self.updates: list[int] = []
        self.layers: list[str] = []
        self._rows: dict[str, list] = {}
        self._count = 0
        self._before = None

    def on_train_begin(self, logs=None):
        self._dense = [(i, layer) for i, layer in enumerate(self.model.layers)
                       if isinstance(layer, Dense)]
        self.layers = [f"{n + 1}: Dense({layer.units}, "
                       f"{type(layer.activation).__name__.lower()})"
                       for n, (_, layer) in enumerate(self._dense)]
        self.updates, self._count = [], 0
        self._rows = {name: [] for name in self.STATS}
        self._before = self._kernels()

    def _kernels(self):
        return [layer.kernel.copy() for _, layer in self._dense]

    def on_batch_end(self, batch, logs=None):
        update = self._count
        self._count += 1
        if update % self.every == 0 and self._before is not None:
            self._record(update)
            self._before = None
        if (update + 1) % self.every == 0:
            self._before = self._kernels()

    def _record(self, update: int) -> None:
        rows = {name: [] for name in self.STATS}
        for (_, layer), before in zip(self._dense, self._before, strict=True):
            a = np.asarray(layer.last_output, dtype=np.float64)
            kernel = layer.kernel
            rows["act_mean"].append(float(a.mean()))
            rows["act_std"].append(float(a.std()))
            rows["saturated"].append(_saturated(layer.activation, a))
            rows["grad_norm"].append(float(np.linalg.norm(layer.grads[0])))
            norm = float(np.linalg.norm(before))
            step = float(np.linalg.norm(np.asarray(kernel, np.float64) - before))
            rows["update_ratio"].append(step / norm if norm else float("nan"))
        for name, values in rows.items():
            self._rows[name].append(values)
        self.updates.append(update)

    def get_state(self) -> dict:
        """The records so far and the count of updates, for a checkpoint:
        a resumed run carries on with the same rows and update numbers.

        Returns
        -------
        dict
            ``every``, ``count``, ``updates``, ``rows`` (each statistic's
            rows) and ``before``: the kernels as they were before the next
            recorded update, or ``None`` between records.

        Example
        -------
        >>> import nnzero as nz
        >>> nz.callbacks.LayerStats(every=10).get_state()["count"]
        0
        """
        return {"every": self.every, "count": self._count, "updates": list(self.updates),
                "rows": {name: [list(row) for row in rows] for name, rows in self._rows.items()},
                "before": None if self._before is None else list(self._before)}

    def set_state(self, state: dict) -> None:
        """Take back :meth:`get_state`'s dict (from a checkpoint), after
        ``on_train_begin``. Raises ValueError when it does not fit this
        model's Dense layers.

        Example
        -------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        >>> stats = nz.callbacks.LayerStats(every=1)
        >>> _ = model.fit(np.ones((4, 3)), [0, 1] * 2, batch_size=2, verbose=0,
        ...               callbacks=[stats])
        >>> again = nz.callbacks.LayerStats(every=1)
        >>> again.set_model(model)
        >>> again.on_train_begin()
        >>> again.set_state(stats.get_state())
        >>> again.updates
        [0, 1]
        """
        count, updates, rows = state["count"], state["updates"], state["rows"]
        width = len(self.layers)
        if (
            not is_json_count(count)
            or not isinstance(updates, list)
            or not all(is_json_count(u) and u < count for u in updates)
            or not isinstance(rows, dict) or set(rows) != set(self.STATS)
            or not all(isinstance(r, list) and len(r) == len(updates) for r in rows.values())
            or not all(isinstance(row, list) and len(row) == width
                       for r in rows.values() for row in r)
        ):
            raise ValueError("the recorded updates and rows do not fit this model's "
                             f"{width} Dense layer(s)")
        before = state["before"]
        kernels = [layer.kernel for _, layer in self._dense]
        if before is not None and [np.shape(b) for b in before] != [k.shape for k in kernels]:
            raise ValueError("the kept kernels do not have the Dense layers' shapes")
        self._count, self.updates = count, list(updates)
        self._rows = {name: [[float(v) for v in row] for row in rows[name]]
                      for name in self.STATS}
        # Kernels kept for another `every` would span more than one update.
        same_every = state["every"] == self.every
        self._before = ([np.array(b, dtype=k.dtype) for b, k in zip(before, kernels, strict=True)]
                        if before is not None and same_every else None)

    @property
    def stats(self) -> dict:
        """Each statistic as an array of shape (recorded updates, Dense layers)."""
        width = len(self.layers)
        return {name: np.asarray(rows, dtype=np.float64).reshape(len(self.updates), width)
                for name, rows in self._rows.items()}

    def as_dict(self) -> dict:
        """Plain lists for JSON: ``updates``, ``layers``, ``every`` and each statistic."""
        return {"every": self.every, "updates": list(self.updates), "layers": list(self.layers),
                **{name: [[None if not np.isfinite(v) else v for v in row] for row in rows]
                   for name, rows in self._rows.items()}}


def _saturated(activation, a: np.ndarray) -> float:
    """Share of saturated (sigmoid, tanh) or dead (ReLU) units; NaN otherwise."""
    kind = type(activation).__name__.lower()
    if kind == "sigmoid":
        return float(np.mean((a < 0.05) | (a > 0.95)))
    if kind == "tanh":
        return float(np.mean(np.abs(a) > 0.95))
    if kind == "relu":
        return float(np.mean(np.all(a <= 0, axis=0)))
    return float("nan")


class BatchLog(Callback):
    """What ``fit(..., log_every=N)`` adds: the mean loss and metrics of
    every N batches, written to ``history.batches`` (see :class:`~nnzero.model.callbacks.History`).

    Parameters
    ----------
    every : int
        Batches per record (``fit``'s ``log_every``).
    history : History
        The history whose ``batches`` receives the records.
    batches_per_epoch : int
        Batches in one epoch, to express each record's position in epochs.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> history = model.fit(np.ones((6, 2)), np.ones(6), batch_size=2, log_every=2, verbose=0)
    >>> history.batches["update"], len(history.batches["loss"])
    ([2, 3], 2)
    """

    def __init__(self, every: int, history, batches_per_epoch: int):
        self.every = check_int(every, "log_every", low=1)
        self.history = history
        self.batches_per_epoch = batches_per_epoch
        self._epoch = 0
        self._count = 0
        self._sums: dict[str, float] = {}
        self._size = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        size = logs["size"]
        for key, value in logs.items():
            if key not in ("batch", "size"):
                self._sums[key] = self._sums.get(key, 0.0) + value * size
        self._size += size
        self._count += 1
        self._batch = batch
        if self._count % self.every == 0:
            self._flush()

    def on_train_end(self, logs=None):
        if self._size:
            self._flush()

    def get_state(self) -> dict:
        """What a resumed run needs: the records so far (``history.batches``),
        the count of updates and the sums of the batches not yet recorded.

        Example
        -------
        >>> import nnzero as nz
        >>> log = BatchLog(2, nz.callbacks.History(), batches_per_epoch=3)
        >>> log.get_state()
        {'count': 0, 'size': 0, 'sums': {}, 'records': {}}
        """
        return {"count": self._count, "size": self._size, "sums": dict(self._sums),
                "records": {key: list(values) for key, values in self.history.batches.items()}}

    def set_state(self, state: dict) -> None:
        """Take back :meth:`get_state`'s dict (from a checkpoint): the
        records go back into ``history.batches``. Raises ValueError on
        values of the wrong kind.

        Example
        -------
        >>> import nnzero as nz
        >>> log = BatchLog(2, nz.callbacks.History(), batches_per_epoch=3)
        >>> log.set_state({"count": 2, "size": 0, "sums": {},
        ...                "records": {"update": [2], "epoch": [0.667], "loss": [0.5]}})
        >>> log.history.batches["loss"]
        [0.5]
        """
        count, size, sums, records = (state["count"], state["size"], state["sums"],
                                      state["records"])
        if (
            not is_json_count(count) or not is_json_count(size)
            or not isinstance(sums, dict) or not all(is_json_number(v) for v in sums.values())
            or not isinstance(records, dict)
            or not all(isinstance(values, list) and all(is_json_number(v) for v in values)
                       for values in records.values())
        ):
            raise ValueError("invalid batch records")
        self._count, self._size = count, size
        self._sums = {key: float(value) for key, value in sums.items()}
        self.history.batches = {key: list(values) for key, values in records.items()}

    def _flush(self):
        record = self.history.batches
        record.setdefault("update", []).append(self._count)
        record.setdefault("epoch", []).append(
            self._epoch + (self._batch + 1) / self.batches_per_epoch)
        for key, total in self._sums.items():
            record.setdefault(key, []).append(total / self._size)
        self._sums, self._size = {}, 0

"""Callbacks: small state machines the training loop calls at fixed points.

They reset in ``on_train_begin`` and stop training by setting
``model.stop_training = True``. Subclass :class:`Callback` and override the
hooks you need.

Example
-------
>>> import nnzero as nz
>>> stop = nz.callbacks.EarlyStopping(monitor="val_loss", patience=3,
...                                   restore_best_weights=True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import check_bool, check_int, check_number
from ..errors import InvalidArgumentError, InvalidTypeError, ModelFileError
from .callback_base import Callback
from .layer_stats import BatchLog, LayerStats  # noqa: F401 (nnzero.callbacks names them)


class History(Callback):
    """Records the per-epoch logs; ``fit`` returns it.

    ``history.history`` maps each name (``loss``, ``accuracy``, ``val_loss``,
    ``val_accuracy``, ``epoch_time``, ``learning_rate``) to a per-epoch list.
    With ``fit(..., log_every=N)``, ``history.batches`` maps ``update``
    (the number of updates made so far), ``epoch`` (epochs done, as a
    fraction), ``loss`` and each metric to one entry per N batches: the
    mean over those batches (empty without ``log_every``).
    ``stopped_reason`` says why training ended early, if it did;
    ``interrupted`` is true when Ctrl-C stopped it (with ``checkpoint_dir``).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> history = model.fit(np.ones((4, 2)), np.ones(4), epochs=3, verbose=0)
    >>> len(history.history["loss"]), history.stopped_reason
    (3, None)
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.batches: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.stopped_reason: str | None = None
        self.interrupted = False

    def on_train_begin(self, logs=None):
        self.history, self.epoch, self.stopped_reason = {}, [], None
        self.batches = {}
        self.interrupted = False

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class _Monitor(Callback):
    """Shared logic for callbacks that watch one logged quantity."""

    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0):
        if not isinstance(monitor, str):
            raise InvalidTypeError(f"`monitor` must be a string. Received: monitor={monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise InvalidArgumentError(
                f"`mode` must be 'auto', 'min' or 'max'. Received: mode={mode!r}"
            )
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(check_number(min_delta, "min_delta"))
        self.best = None

    def _best_state(self) -> dict:
        """``{"best": value}``, the monitored best as a plain float (or None),
        for a subclass's ``get_state``; :meth:`_take_best` reads it back."""
        return {"best": None if self.best is None else float(self.best)}

    def _take_best(self, state: dict) -> None:
        best = state["best"]
        self.best = None if best is None else float(best)

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def _value(self, logs) -> float:
        if self.monitor not in logs:
            raise InvalidArgumentError(
                f"{type(self).__name__} monitors {self.monitor!r}, which training does not "
                f"log. Available: {', '.join(sorted(logs))}"
            )
        return float(logs[self.monitor])


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    With ``restore_best_weights`` the model ends with the weights of its best
    epoch rather than its last.

    Parameters
    ----------
    monitor : str, default "val_loss"
        The logged quantity watched, e.g. ``"val_accuracy"``.
    min_delta : float, default 0
        The smallest change that counts as an improvement.
    patience : int, default 0
        Epochs without improvement before training stops.
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher is better; ``"auto"`` takes higher for
        accuracies and lower for everything else.
    restore_best_weights : bool, default False
        End with the best epoch's weights.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> stop = nz.callbacks.EarlyStopping(monitor="loss", min_delta=0.01, patience=2)
    >>> history = model.fit(np.ones((8, 1)), np.ones(8), epochs=500, verbose=0,
    ...                     callbacks=[stop])
    >>> len(history.epoch) < 500, history.stopped_reason.startswith("early stopping")
    (True, True)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ):
        super().__init__(monitor, mode, min_delta)
        self.patience = check_int(patience, "patience", low=0)
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.best_epoch, self.stopped_epoch = None, 0, None, None
        self._best_weights = None

    def get_state(self) -> dict:
        """``best``, ``wait``, ``best_epoch``, ``stopped_epoch`` and
        ``best_weights`` (the best epoch's weights with
        ``restore_best_weights``, else ``None``): what a resumed run needs
        to stop where the uninterrupted one would.

        Examples
        --------
        >>> import nnzero as nz
        >>> stop = nz.callbacks.EarlyStopping(patience=2)
        >>> stop.get_state()
        {'best': None, 'wait': 0, 'best_epoch': None, 'stopped_epoch': None, 'best_weights': None}
        """
        return {
            **self._best_state(),
            "wait": self.wait,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "best_weights": None if self._best_weights is None else list(self._best_weights),
        }

    def set_state(self, state: dict) -> None:
        """Take back :meth:`get_state`'s dict (from a checkpoint)."""
        self._take_best(state)
        self.wait = int(state["wait"])
        self.best_epoch = state["best_epoch"]
        self.stopped_epoch = state["stopped_epoch"]
        weights = state["best_weights"]
        self._best_weights = None if weights is None else [np.array(w) for w in weights]

    def on_epoch_end(self, epoch, logs=None):
        value = self._value(logs)
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            self.model.history.stopped_reason = (
                f"early stopping: {self.monitor} did not improve for {self.wait} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch + 1})"
            )

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self._best_weights is not None:
            self.model.set_weights(self._best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model after each epoch (or only when ``monitor`` improves).

    ``filepath`` may contain ``{epoch}`` (1-based) and any logged name, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.nnz"``. Writes are atomic, so a crash
    mid-save leaves the previous file intact.

    Parameters
    ----------
    filepath : str or path-like
        Where to save, a format string as above.
    monitor : str, default "val_loss"
        The logged quantity watched, e.g. ``"val_accuracy"``.
    save_best_only : bool, default False
        Save only when ``monitor`` improves.
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher is better; ``"auto"`` takes higher for
        accuracies and lower for everything else.

    Raises
    ------
    InvalidArgumentError, ModelFileError
        Before training, if ``filepath`` cannot be formatted with the run's
        logs or its directory does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> folder = tempfile.mkdtemp()
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> save = nz.callbacks.ModelCheckpoint(os.path.join(folder, "e{epoch}.nnz"), monitor="loss")
    >>> _ = model.fit(np.ones((4, 1)), np.ones(4), epochs=2, verbose=0, callbacks=[save])
    >>> sorted(os.listdir(folder))
    ['e1.nnz', 'e2.nnz']
    """

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ):
        super().__init__(monitor, mode)
        self.filepath = str(filepath)
        self.save_best_only = check_bool(save_best_only, "save_best_only")

    def check_filepath(self, log_keys) -> None:
        """Fail before training if ``filepath`` cannot be formatted with the
        quantities this run will log, or its directory does not exist."""
        try:
            path = Path(self.filepath.format(epoch=1, **dict.fromkeys(log_keys, 0.0)))
        except (KeyError, IndexError, ValueError) as err:
            raise InvalidArgumentError(
                f"ModelCheckpoint `filepath` {self.filepath!r} cannot be formatted with "
                f"this run's logs (epoch, {', '.join(log_keys)}): {type(err).__name__}: {err}"
            ) from None
        if not path.parent.is_dir():
            raise ModelFileError(
                f"ModelCheckpoint `filepath` {self.filepath!r}: directory "
                f"{str(path.parent)!r} does not exist."
            )

    def on_train_begin(self, logs=None):
        self.best = None

    def get_state(self) -> dict | None:
        """``{"best": value}`` with ``save_best_only`` (the best value seen,
        so a resumed run saves only when the uninterrupted one would), else
        ``None``.

        Examples
        --------
        >>> import nnzero as nz
        >>> nz.callbacks.ModelCheckpoint("m.nnz", save_best_only=True).get_state()
        {'best': None}
        """
        if not self.save_best_only:
            return None
        return self._best_state()

    def set_state(self, state: dict) -> None:
        """Take back :meth:`get_state`'s dict (from a checkpoint)."""
        self._take_best(state)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self._value(logs)
            if not self._improved(value):
                return
            self.best = value
        self.model.save(self.filepath.format(epoch=epoch + 1, **logs))


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch to
    ``schedule(epoch, current_lr)`` (epoch counted from 0).

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr) -> new lr``, a finite positive number.

    Raises
    ------
    InvalidTypeError
        If ``schedule`` is not callable, or returns something not a number.
    InvalidArgumentError
        If it returns a rate that is not finite and positive.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> halve = nz.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> history = model.fit(np.ones((4, 1)), np.ones(4), epochs=3, verbose=0,
    ...                     callbacks=[halve])
    >>> history.history["learning_rate"]
    [0.1, 0.05, 0.025]
    """

    def __init__(self, schedule):
        if not callable(schedule):
            raise InvalidTypeError(
                f"`schedule` must be a function (epoch, lr) -> lr. Received: {schedule!r}"
            )
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = self.schedule(epoch, optimizer.current_learning_rate())
        try:
            lr = float(lr)
        except (TypeError, ValueError):
            raise InvalidTypeError(
                f"LearningRateScheduler's schedule must return a number. "
                f"Received: {lr!r} at epoch {epoch}"
            ) from None
        if not np.isfinite(lr) or lr <= 0:
            raise InvalidArgumentError(
                f"LearningRateScheduler's schedule must return a finite rate > 0. "
                f"Received: {lr!r} at epoch {epoch}"
            )
        optimizer.learning_rate = lr


class CallbackList:
    """Calls every callback's hook in order.

    Parameters
    ----------
    callbacks : list of Callback
        The callbacks, each given ``model`` with ``set_model``.
    model : Sequential
        The model being trained.

    Examples
    --------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> hooks = CallbackList([nz.callbacks.History()], model)
    >>> hooks.callbacks[0].model is model
    True
    """

    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)

    def __getattr__(self, hook):
        def call(*args, **kwargs):
            for callback in self.callbacks:
                getattr(callback, hook)(*args, **kwargs)

        return call

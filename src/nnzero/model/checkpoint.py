"""Crash-safe training: checkpoints from which training resumes bit-identically.

``fit(..., checkpoint_dir=DIR)`` keeps one file, ``DIR/checkpoint.nnz``,
holding everything training needs to go on exactly where it was: the
weights, the optimizer's state, the model's random generator, the epoch and
batch reached, the running sums of the epoch in progress and the history so
far. It is rewritten atomically (temporary file, fsync, rename) after every
epoch and, with ``checkpoint_every=N``, every N batches, so a crash -- even
``kill -9`` or a power cut -- loses at most the work since the last write.

Calling ``fit`` again with the same directory resumes from the checkpoint,
and the final weights are bit-identical to those of a run that was never
interrupted. Ctrl-C finishes the current batch, writes a checkpoint and
makes ``fit`` return the history so far; a second Ctrl-C stops at once.

The checkpoint is also an ordinary model file: ``nnzero.load_model`` reads it.

Example
-------
>>> import tempfile
>>> import numpy as np
>>> import nnzero as nz
>>> x, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
>>> def new_model():
...     model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
...                            nz.layers.Dense(2, activation="softmax")], seed=0)
...     model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
...     return model
>>> directory = tempfile.mkdtemp()
>>> _ = new_model().fit(x, y, epochs=2, verbose=0, checkpoint_dir=directory)
>>> model = new_model()          # a new process after a crash starts from scratch
>>> history = model.fit(x, y, epochs=5, verbose=0, checkpoint_dir=directory)
>>> len(history.history["loss"])  # two epochs from the checkpoint, three trained now
5
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .._io import atomic_write_bytes
from .._validation import check_int
from ..errors import InvalidArgumentError, InvalidTypeError, ModelFileError
from .callbacks import Callback
from .checkpoint_file import (
    checkpoint_bytes,
    fingerprint,
    partial_epoch_entry,
    read_arrays,
    read_callback_states,
    read_state,
)
from .file_format import model_arrays

__all__ = ["CHECKPOINT_FILE", "Checkpointer", "PartialEpoch", "interruptible"]

#: Name of the checkpoint file inside ``checkpoint_dir``.
CHECKPOINT_FILE = "checkpoint.nnz"


class TrainingInterruptedError(Exception):
    """Raised at a batch boundary after Ctrl-C, once the checkpoint is
    written; ``fit`` catches it and returns the history so far."""


@dataclass
class PartialEpoch:
    """Where a checkpoint written inside an epoch left it.

    ``fit`` hands it to the epoch loop, which draws the epoch's shuffle
    order as it did the first time, then skips the batches already done.
    """

    batches: int
    rng_state: dict
    loss_sum: float
    metric_sums: list
    learning_rate: float
    elapsed: float

    def skip(self, model, batch_size: int):
        """Put the generator where the checkpoint left it; return the first
        sample to train on and the loss and metric sums so far."""
        model.rng.bit_generator.state = self.rng_state
        return self.batches * batch_size, self.loss_sum, list(self.metric_sums)


class Checkpointer(Callback):
    """Writes ``directory/checkpoint.nnz`` and resumes from it; what
    ``fit(checkpoint_dir=..., checkpoint_every=...)`` uses.

    ``fit`` calls :meth:`prepare` before training, :meth:`start` once the
    callbacks have begun and :meth:`begin_epoch` before each epoch's
    callbacks; the callback hooks do the rest.

    The state of each callback passed to ``fit`` that keeps one
    (:meth:`.Callback.get_state`: an EarlyStopping's patience count and best
    weights) is saved by its position and class, and restored after
    ``on_train_begin``; a checkpoint written with other such callbacks is
    refused. A run stopped early by a callback is recorded as finished. The
    learning rate continues from the checkpoint, so a schedule set by a
    callback carries on where it was.

    Example
    -------
    >>> from nnzero.model.checkpoint import Checkpointer
    >>> Checkpointer("runs/ckpt", every=100).path.name
    'checkpoint.nnz'
    """

    def __init__(self, directory, every: int | None = None):
        if not isinstance(directory, (str, os.PathLike)):
            raise InvalidTypeError(
                f"`checkpoint_dir` must be a path. Received: checkpoint_dir={directory!r}"
            )
        self.directory = Path(directory)
        self.every = None if every is None else check_int(every, "checkpoint_every", low=1)
        self.interrupted = False
        self._pending: PartialEpoch | None = None
        self._restored: dict | None = None
        self._callbacks: list = []
        self._batch_log = None

    @property
    def path(self) -> Path:
        return self.directory / CHECKPOINT_FILE

    # -- before training ---------------------------------------------------------------
    def prepare(self, model, arrays, input_shape, batch_size: int, shuffle: bool,
                epochs: int) -> None:
        """Create the directory and check any checkpoint in it, before the
        model is built.

        ``arrays`` are the training (and validation) arrays: a checkpoint
        written for other data, another model or other settings is refused.
        """
        self.model = model
        self._epochs = epochs
        self._batches_per_epoch = math.ceil(len(arrays[0]) / batch_size)
        self._fingerprint = fingerprint(model, arrays, input_shape, batch_size, shuffle)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ModelFileError(
                f"Cannot create checkpoint_dir {str(self.directory)!r}: {err.strerror or err}"
            ) from None
        self._restored = None
        if not self.path.exists():
            return
        for leftover in self.directory.glob(f".{CHECKPOINT_FILE}.*.tmp"):
            # A write cut short by a crash; the checkpoint itself is whole.
            with contextlib.suppress(OSError):
                leftover.unlink()
        state = read_state(self.path, self._fingerprint, len(model.metric_names))
        # Part of an epoch counts: its weights are past the end of the one before.
        reached = state["epoch"] + (state["batch"] > 0)
        if reached > epochs:
            done = f"{state['epoch']} epochs" + (
                f" and {state['batch']} batches of the next" if state["batch"] else "")
            raise InvalidArgumentError(
                f"The checkpoint {str(self.path)!r} has trained {done}, more than "
                f"epochs={epochs}. Pass epochs >= {reached}, or delete it to start over."
            )
        self._restored = state

    def start(self, history, verbose, callbacks=(), batch_log=None) -> int:
        """Restore the checkpoint into the (now built) model, the history
        and ``callbacks`` (those passed to ``fit``, whose ``on_train_begin``
        has run); return the first epoch to train.

        ``batch_log`` is the :class:`.BatchLog` of ``fit(log_every=...)``:
        its records are kept apart from ``callbacks``, so that a run resumed
        with another ``log_every``, or without, is not refused. Resumed from
        a checkpoint that has none, it counts updates from the checkpoint's."""
        self._steps = 0
        self._callbacks = list(callbacks)
        self._batch_log = batch_log
        state = self._restored
        if state is None:
            return 0
        model = self.model
        callback_states = read_callback_states(self.path, state, self._callbacks, model)
        tensors, optimizer_state, rng_state = read_arrays(self.path, model, state)
        steps = state["epoch"] * self._batches_per_epoch + state["batch"]
        if batch_log is not None:
            saved = state["batch_log"] or {"count": steps, "size": 0, "sums": {}, "records": {}}
            callback_states.append((batch_log, saved))
        # Everything is checked: only now do the model and the callbacks change.
        # A callback refusing its state (checked by its set_state) puts back
        # those already set, so a refused checkpoint changes nothing.
        before = [(callback, callback.get_state()) for callback, _ in callback_states]
        for done, (callback, callback_state) in enumerate(callback_states):
            try:
                callback.set_state(callback_state)
            except (KeyError, TypeError, ValueError) as err:
                for earlier, state_before in before[:done]:
                    earlier.set_state(state_before)
                raise ModelFileError(
                    f"The checkpoint {str(self.path)!r} is damaged ({type(callback).__name__}'s "
                    f"state: {type(err).__name__}: {err}); delete it to start over."
                ) from None
        for (_, array), value in zip(model_arrays(model), tensors, strict=True):
            array[...] = value
        if optimizer_state is not None:
            model.optimizer.set_state(optimizer_state)
        if state["learning_rate"] is not None and isinstance(
            model.optimizer.learning_rate, float
        ):
            model.optimizer.learning_rate = state["learning_rate"]
        partial = state["partial"]
        if partial is None:
            model.rng.bit_generator.state = rng_state
        else:
            # Back to the epoch's start, so that its shuffle order is drawn again.
            model.rng.bit_generator.state = partial["epoch_rng_state"]
            self._pending = PartialEpoch(
                batches=state["batch"],
                rng_state=rng_state,
                loss_sum=partial["loss_sum"],
                metric_sums=partial["metric_sums"],
                learning_rate=partial["learning_rate"],
                elapsed=partial["elapsed"],
            )
        history.history = {k: list(v) for k, v in state["history"].items()}
        history.epoch = list(state["history_epochs"])
        self._steps = steps
        if state["stopped_reason"]:
            history.stopped_reason = state["stopped_reason"]
            return self._epochs
        if verbose:
            where = f"epoch {state['epoch'] + 1}" + (
                f", batch {state['batch'] + 1}" if state["batch"] else ""
            )
            print(f"Resuming from {self.path} at {where}.", flush=True)
        return state["epoch"]

    # -- during training ---------------------------------------------------------------
    def begin_epoch(self, epoch: int) -> PartialEpoch | None:
        """Note the state before the epoch's callbacks and shuffle; return
        the part-done epoch to finish, if the run resumed inside one."""
        model = self.model
        self._epoch = epoch
        self._epoch_rng = model.rng.bit_generator.state
        lr = model.optimizer.learning_rate
        self._lr_before = lr if isinstance(lr, float) else None
        pending, self._pending = self._pending, None
        if pending is None:
            self._batch, self._loss_sum = 0, 0.0
            self._metric_sums = [0.0] * len(model.metric_names)
            self._started = time.perf_counter()
            self._epoch_lr = None
        else:
            self._batch, self._loss_sum = pending.batches, pending.loss_sum
            self._metric_sums = list(pending.metric_sums)
            self._started = time.perf_counter() - pending.elapsed
            self._epoch_lr = pending.learning_rate
        return pending

    def on_epoch_begin(self, epoch, logs=None):
        # After the other callbacks: the rate the epoch logs, as fit reads it.
        if self._epoch_lr is None:
            self._epoch_lr = self.model.optimizer.current_learning_rate()

    def on_batch_end(self, batch, logs=None):
        # The same sums, in the same order, as the epoch loop keeps.
        size = logs["size"]
        self._loss_sum += logs["loss"] * size
        for i, name in enumerate(self.model.metric_names):
            self._metric_sums[i] += logs[name] * size
        self._batch = batch + 1
        self._steps += 1
        if self._batch == self._batches_per_epoch:
            return  # the end of the epoch writes the checkpoint
        if self.interrupted or (self.every is not None and self._steps % self.every == 0):
            self._write_partial()
        if self.interrupted:
            self._stop()
            raise TrainingInterruptedError

    def on_epoch_end(self, epoch, logs=None):
        model = self.model
        stopped = None
        if model.stop_training:
            stopped = model.history.stopped_reason or "stopped by a callback"
        lr = model.optimizer.learning_rate
        self._write(epoch + 1, 0, lr if isinstance(lr, float) else None, stopped=stopped)
        if self.interrupted and not model.stop_training:
            self._stop()
            model.stop_training = True

    # -- writing ------------------------------------------------------------------------
    def _write_partial(self):
        partial = partial_epoch_entry(
            epoch_rng_state=self._epoch_rng, loss_sum=self._loss_sum,
            metric_sums=self._metric_sums, learning_rate=self._epoch_lr,
            elapsed=time.perf_counter() - self._started,
        )
        self._write(self._epoch, self._batch, self._lr_before, partial=partial)

    def _write(self, epoch, batch, learning_rate, partial=None, stopped=None):
        data = checkpoint_bytes(self.model, epoch=epoch, batch=batch,
                                learning_rate=learning_rate, partial=partial,
                                stopped_reason=stopped, run_fingerprint=self._fingerprint,
                                callbacks=self._callbacks, batch_log=self._batch_log)
        atomic_write_bytes(self.path, data)

    def _stop(self):
        where = f"epoch {self._epoch + 1}" + (
            f", batch {self._batch}" if self._batch < self._batches_per_epoch else ""
        )
        self.model.history.interrupted = True
        self.model.history.stopped_reason = (
            f"interrupted (Ctrl-C) after {where}; the checkpoint {str(self.path)!r} holds "
            "the training state. To resume, call fit again with the same checkpoint_dir."
        )


@contextlib.contextmanager
def interruptible(checkpointer: Checkpointer | None):
    """While training with checkpoints, Ctrl-C asks for a stop at the next
    batch boundary instead of raising KeyboardInterrupt mid-update.

    Only the main thread can take signals, and a handler someone else
    installed is left alone. The first Ctrl-C restores the previous handler,
    so a second one interrupts at once.

    Example
    -------
    >>> from nnzero.model.checkpoint import interruptible
    >>> with interruptible(None):
    ...     pass
    """
    installed = False
    if (
        checkpointer is not None
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    ):

        def handler(signum, frame):
            checkpointer.interrupted = True
            signal.signal(signal.SIGINT, signal.default_int_handler)

        signal.signal(signal.SIGINT, handler)
        installed = True
    try:
        yield
    except TrainingInterruptedError:
        pass  # the checkpoint is written and the history says why training stopped
    finally:
        if installed and signal.getsignal(signal.SIGINT) is handler:
            signal.signal(signal.SIGINT, signal.default_int_handler)

"""The learning-rate range test (Smith 2017): train a copy of the model for
a few hundred batches while the learning rate grows exponentially, and read
a good rate off the loss curve.

The copy is built from the model's ``get_config`` and ``get_weights`` and
trained with a fresh optimizer of the same kind, so the model passed in is
left exactly as it was: weights, optimizer state, random generator.

Example
-------
>>> import nnzero as nz
>>> x, y = nz.datasets.make_moons(512, seed=0)
>>> model = nz.Sequential([nz.layers.Dense(16, activation="tanh"),
...                        nz.layers.Dense(2, activation="softmax")], seed=0)
>>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
>>> result = nz.lr_find(model, x, y, steps=60, batch_size=32)
>>> 1e-7 <= result.suggestion <= 10.0  # within the range tried
True
>>> model.built  # the model itself was not trained, nor even built
False
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from . import layers as layers_module
from . import optimizers as optimizers_module
from . import schedules
from ._validation import check_int, check_number
from .errors import InvalidArgumentError, InvalidTypeError, NonFiniteLossWarning
from .model import Sequential
from .model.callbacks import Callback

__all__ = ["LRFinderResult", "lr_find"]


@dataclass
class LRFinderResult:
    """What :func:`lr_find` measured.

    Attributes
    ----------
    learning_rates : numpy.ndarray
        The rate of each batch trained.
    losses : numpy.ndarray
        Each batch's training loss (before its update).
    smoothed : numpy.ndarray
        The losses smoothed by a bias-corrected exponential moving average.
    suggestion : float
        The rate where the smoothed loss falls fastest against
        ``log(learning_rate)``, before its minimum.
    min_loss_lr : float
        The rate at the smoothed loss's minimum (often close to where
        training starts to diverge; a tenth of it is another common pick).
    stopped_early : bool
        True when the loss blew up and the test stopped before ``max_lr``.

    Example
    -------
    >>> from nnzero.lr_finder import LRFinderResult
    >>> list(LRFinderResult.__dataclass_fields__)[:3]
    ['learning_rates', 'losses', 'smoothed']
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    min_loss_lr: float
    stopped_early: bool

    def __repr__(self):
        return (f"LRFinderResult(suggestion={self.suggestion:.3g}, "
                f"min_loss_lr={self.min_loss_lr:.3g}, steps={len(self.losses)}, "
                f"stopped_early={self.stopped_early})")


class _DivergedError(Exception):
    """Raised from the recorder to leave fit() as soon as the loss blows up."""


class _Recorder(Callback):
    def __init__(self, smoothing: float, diverge: float):
        self.smoothing, self.diverge = smoothing, diverge
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self._average = 0.0

    def on_batch_end(self, batch, logs=None):
        loss = float(logs["loss"])
        self.losses.append(loss)
        if not math.isfinite(loss):
            raise _DivergedError
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        value = self._average / (1 - self.smoothing ** len(self.losses))
        self.smoothed.append(value)
        if len(self.smoothed) > 10 and value > self.diverge * min(self.smoothed):
            raise _DivergedError


def _clone_model(model, learning_rate) -> Sequential:
    """A built, compiled copy of ``model`` with the same weights and loss and a
    fresh optimizer of the same kind whose rate is ``learning_rate`` (a float
    or a schedule). Nothing of ``model`` is shared or changed."""
    config = model.get_config()
    copy = Sequential([layers_module.get(c) for c in config["layers"]],
                      seed=model.seed, dtype=config["dtype"])
    copy.build(model.input_shape)
    copy.set_weights(model.get_weights())
    opt_config = dict(model.optimizer.get_config(), learning_rate=learning_rate)
    copy.compile(optimizer=optimizers_module.get(opt_config), loss=model.loss)
    return copy


def lr_find(model, x, y, *, min_lr=1e-7, max_lr=10.0, steps=100, batch_size=32,
            smoothing=0.98, diverge=4.0, seed=0) -> LRFinderResult:
    """Run the learning-rate range test on a copy of ``model``.

    A copy of the model (same weights, loss and optimizer kind) trains on
    ``steps`` batches of ``(x, y)`` drawn at random, the learning rate
    growing exponentially from ``min_lr`` to ``max_lr``; each batch's loss
    is recorded. The loss first barely moves (rate too small), then falls,
    then blows up (rate too large). The suggestion is the rate where the
    smoothed loss falls fastest — large enough to learn quickly, still well
    below the blow-up. The test stops early once the smoothed loss exceeds
    ``diverge`` times its minimum.

    Parameters
    ----------
    model : Sequential
        A compiled model; unbuilt models are fine (the copy is built from
        ``x``). It is not changed.
    x, y : array-like
        Training data, as for ``fit``.
    min_lr, max_lr : float, default 1e-7 and 10
        The range of rates tried.
    steps : int, default 100
        Batches trained (at least 10).
    batch_size : int, default 32
        Samples per batch; use the batch size you will train with.
    smoothing : float, default 0.98
        Weight of the past in the moving average of the loss.
    diverge : float, default 4.0
        Stop when the smoothed loss exceeds this multiple of its minimum.
    seed : int, default 0
        Seed of the batches drawn (the copy's own initial randomness is the
        model's seed).

    Returns
    -------
    LRFinderResult
        The curve and the suggestion; draw it with ``nnzero.plot.lr_find``.

    Notes
    -----
    L. N. Smith, "Cyclical Learning Rates for Training Neural Networks",
    WACV 2017, section 3.3 ("how can one estimate reasonable minimum and
    maximum boundary values?").

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> (x, y), _ = nz.datasets.load_digits_fallback()
    >>> model = nz.Sequential([nz.layers.Dense(32, activation="relu"),
    ...                        nz.layers.Dense(10, activation="softmax")], seed=0)
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> result = nz.lr_find(model, x, y, steps=80)
    >>> result.learning_rates[0] == 1e-7 and len(result.losses) <= 80
    True
    """
    if not isinstance(model, Sequential):
        raise InvalidTypeError(
            f"`model` must be an nnzero Sequential. Received: {type(model).__name__}")
    if not model.compiled:
        raise InvalidArgumentError(
            "lr_find needs a compiled model: call compile(optimizer, loss) first.")
    min_lr = check_number(min_lr, "min_lr", low=0.0, low_inclusive=False)
    max_lr = check_number(max_lr, "max_lr", low=0.0, low_inclusive=False)
    if not max_lr > min_lr:
        raise InvalidArgumentError(
            f"`max_lr` must be larger than `min_lr`. Received: min_lr={min_lr}, max_lr={max_lr}")
    steps = check_int(steps, "steps", low=10)
    batch_size = check_int(batch_size, "batch_size", low=1)
    smoothing = check_number(smoothing, "smoothing", low=0.0, high=1.0, high_inclusive=False)
    diverge = check_number(diverge, "diverge", low=1.0, low_inclusive=False)
    seed = check_int(seed, "seed", low=0)

    schedule = schedules.ExponentialDecay(min_lr, steps - 1, max_lr / min_lr)
    if model.built:
        copy = _clone_model(model, schedule)
    else:  # the copy is built from x below, as fit would build the model
        config = model.get_config()
        copy = Sequential([layers_module.get(c) for c in config["layers"]],
                          seed=model.seed, dtype=config["dtype"])
        opt_config = dict(model.optimizer.get_config(), learning_rate=schedule)
        copy.compile(optimizer=optimizers_module.get(opt_config), loss=model.loss)
    # fit validates x and y (and builds the copy) before any step; with
    # epochs=0 it trains nothing, so a bad argument fails here.
    copy.fit(x, y, epochs=0, batch_size=batch_size, verbose=0)
    x_arr, y_arr = np.asarray(x), np.asarray(y)
    order = _batches(len(x_arr), steps, batch_size, seed)
    recorder = _Recorder(smoothing, diverge)
    stopped = False
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", NonFiniteLossWarning)
        try:
            copy.fit(x_arr[order], y_arr[order], epochs=1, batch_size=batch_size,
                     shuffle=False, verbose=0, callbacks=[recorder])
        except _DivergedError:
            stopped = True
    n = len(recorder.smoothed)
    # fit itself ends the epoch at a non-finite loss, before the recorder sees it.
    stopped = stopped or n < steps
    if n < 3:
        raise InvalidArgumentError(
            f"The loss was not finite after {len(recorder.losses)} batches even at the "
            f"smallest rate ({min_lr:g}); check the data and the model.")
    rates = np.array([schedule(i) for i in range(n)])
    smoothed = np.asarray(recorder.smoothed)
    losses = np.asarray(recorder.losses[:n])
    return LRFinderResult(rates, losses, smoothed, suggest(rates, smoothed),
                          float(rates[int(np.argmin(smoothed))]), stopped)


def suggest(rates: np.ndarray, smoothed: np.ndarray) -> float:
    """The rate of steepest descent of ``smoothed`` against ``log(rates)``,
    searched before the minimum (past it the loss rises, however steeply it
    fell in between).

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.lr_finder import suggest
    >>> rates = np.logspace(-4, 0, 5)
    >>> float(suggest(rates, np.array([2.0, 1.9, 1.0, 0.8, 3.0])))
    0.01
    """
    stop = int(np.argmin(smoothed))
    if stop < 2:
        return float(rates[stop])
    slope = np.gradient(smoothed[: stop + 1], np.log(rates[: stop + 1]))
    return float(rates[int(np.argmin(slope))])


def _batches(n: int, steps: int, batch_size: int, seed: int) -> np.ndarray:
    """Row indices for ``steps`` batches: shuffled passes over the data,
    as many as needed."""
    rng = np.random.default_rng(seed)
    needed = steps * batch_size
    passes = [rng.permutation(n) for _ in range(math.ceil(needed / n))]
    return np.concatenate(passes)[:needed]

"""The checks of ``fit``'s arguments, all made before any training starts.

:func:`prepare_fit` turns the arguments of :meth:`.Trainer.fit` into a
:class:`FitArguments`: validated arrays (the validation split already cut
off, the class weights folded into the sample weights), the callbacks and
the checkpointer. The training loop (:mod:`.training`) re-checks nothing.
A failed check leaves the model as it was: nothing is built, no random
number drawn, no file written.

Example
-------
>>> from nnzero.model.fit_arguments import check_callbacks
>>> check_callbacks(None)
[]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_bool, check_int, check_number
from ..errors import InvalidArgumentError, InvalidTypeError
from .callbacks import Callback, ModelCheckpoint
from .checkpoint import Checkpointer


@dataclass
class FitArguments:
    """``fit``'s arguments once checked: what the training loop reads.

    ``validation`` is ``(x, y, weights)`` or ``None``; ``weights`` are the
    per-sample weights with any class weights applied; ``batch_size`` is at
    most ``len(x)``; ``checkpointer`` is set when ``checkpoint_dir`` was.
    """

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    validation: tuple | None
    input_shape: tuple
    epochs: int
    batch_size: int
    shuffle: bool
    verbose: int
    callbacks: list
    checkpointer: Checkpointer | None
    log_every: int | None = None


def prepare_fit(model, request: Mapping) -> FitArguments:
    """Check ``request``, a mapping of :meth:`.Trainer.fit`'s argument
    names to their values, and return what training needs.

    Example
    -------
    >>> import inspect
    >>> import nnzero as nz
    >>> from nnzero.model.trainer import Trainer
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(loss="mse")
    >>> request = {name: p.default for name, p in inspect.signature(Trainer.fit).parameters.items()}
    >>> request.update(x=np.ones((10, 2)), y=np.ones(10), validation_split=0.2)
    >>> arguments = prepare_fit(model, request)
    >>> len(arguments.x), len(arguments.validation[0]), arguments.batch_size, model.built
    (8, 2, 8, False)
    """
    model.require_compiled("fit")
    epochs = check_int(request["epochs"], "epochs", low=0)
    validation_split = check_number(
        request["validation_split"], "validation_split", low=0.0, high=1.0, high_inclusive=False
    )
    verbose = request["verbose"]
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise InvalidArgumentError(f"`verbose` must be 0, 1 or 2. Received: verbose={verbose!r}")
    shuffle = check_bool(request["shuffle"], "shuffle")
    log_every = request.get("log_every")
    if log_every is not None:
        log_every = check_int(log_every, "log_every", low=1)
    callbacks = check_callbacks(request["callbacks"])
    checkpointer = None
    if request["checkpoint_dir"] is not None:
        checkpointer = Checkpointer(request["checkpoint_dir"], request["checkpoint_every"])
    elif request["checkpoint_every"] is not None:
        raise InvalidArgumentError("`checkpoint_every` needs a `checkpoint_dir` to write to.")

    x = model.validate_x(request["x"], build=False)
    input_shape = x.shape[1:]
    n_outputs = model.output_width(input_shape)
    y = model.validate_y(request["y"], x, n_outputs=n_outputs)
    weights = check_sample_weight(request["sample_weight"], len(x))
    if request["class_weight"] is not None:
        cw = class_weights(request["class_weight"], y, model.loss, n_outputs)
        weights = cw if weights is None else weights * cw

    val = None
    validation_data = request["validation_data"]
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise InvalidArgumentError(
                "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, weights)."
            )
        xv = model.validate_x(
            validation_data[0], "validation_data[0]", build=False, input_shape=input_shape
        )
        yv = model.validate_y(validation_data[1], xv, "validation_data[1]", n_outputs=n_outputs)
        wv = validation_data[2] if len(validation_data) == 3 else None
        val = (xv, yv, check_sample_weight(wv, len(xv), "validation_data[2]"))
    elif validation_split > 0:
        n_train = int(math.floor(len(x) * (1.0 - validation_split)))
        if n_train < 1 or n_train == len(x):
            raise InvalidArgumentError(
                f"validation_split={validation_split} leaves no samples for training or none "
                f"for validation out of {len(x)}."
            )
        wv = None if weights is None else weights[n_train:]
        val = (x[n_train:], y[n_train:], wv)
        x, y = x[:n_train], y[:n_train]
        weights = None if weights is None else weights[:n_train]

    n = len(x)
    batch_size = request["batch_size"]
    batch_size = n if batch_size is None else min(check_int(batch_size, "batch_size", low=1), n)
    log_keys = ["loss", *model.metric_names]
    if val is not None:
        log_keys += [f"val_{k}" for k in log_keys]
    log_keys += ["epoch_time", "learning_rate"]
    check_monitors(callbacks, log_keys)
    if checkpointer is not None:
        arrays = [x, y, weights, *(val or ())]
        checkpointer.prepare(model, arrays, input_shape, batch_size, shuffle, epochs)
    return FitArguments(x, y, weights, val, input_shape, epochs, batch_size, shuffle, verbose,
                        callbacks, checkpointer, log_every)


def check_sample_weight(sample_weight, n: int, name: str = "sample_weight"):
    """``None`` or a finite, non-negative 1-D array of length ``n``.

    Example
    -------
    >>> check_sample_weight([1, 2], 2).tolist()
    [1.0, 2.0]
    """
    if sample_weight is None:
        return None
    w = as_float_array(sample_weight, name, np.float64, min_ndim=1)
    if w.ndim != 1 or len(w) != n:
        raise InvalidArgumentError(
            f"`{name}` must be 1-D with one weight per sample ({n}). Received: shape {w.shape}"
        )
    if (w < 0).any():
        raise InvalidArgumentError(f"`{name}` must be non-negative.")
    return w


def class_weights(class_weight, y: np.ndarray, loss, n_outputs: int) -> np.ndarray:
    """Per-sample weights looked up from ``{class_index: weight}``.

    Example
    -------
    >>> from nnzero.losses import SparseCategoricalCrossentropy
    >>> class_weights({1: 3.0}, np.array([0, 1, 1]), SparseCategoricalCrossentropy(), 2).tolist()
    [1.0, 3.0, 3.0]
    """
    if not isinstance(class_weight, dict):
        raise InvalidTypeError(
            f"`class_weight` must be a dict {{class index: weight}}. Received: {class_weight!r}"
        )
    n_classes = max(n_outputs, 2)
    table = np.ones(n_classes)
    for key, weight in class_weight.items():
        if (
            isinstance(key, bool)
            or not isinstance(key, (int, np.integer))
            or not 0 <= key < n_classes
        ):
            raise InvalidArgumentError(
                f"`class_weight` keys must be class indices in [0, {n_classes}). Received: {key!r}"
            )
        table[key] = check_number(weight, f"class_weight[{key}]", low=0.0)
    if loss.sparse_targets:
        labels = y
    elif y.shape[1] == 1:
        labels = (y[:, 0] > 0.5).astype(np.int64)
    else:
        labels = np.argmax(y, axis=1)
    return table[labels]


def check_callbacks(callbacks) -> list[Callback]:
    """``callbacks`` as a list of :class:`.Callback` objects (``None``: none)."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
        raise InvalidTypeError(
            "`callbacks` must be a list of nnzero.callbacks.Callback objects. "
            f"Received: callbacks={callbacks!r}"
        )
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise InvalidTypeError(
                f"`callbacks` must be nnzero.callbacks.Callback objects. Received: {cb!r}"
            )
    return callbacks


def check_monitors(callbacks, log_keys: list[str]) -> None:
    """Fail before training if a callback watches a quantity nobody logs
    (or a checkpoint's file name uses one)."""
    for cb in callbacks:
        if isinstance(cb, ModelCheckpoint):
            cb.check_filepath(log_keys)
        watches = getattr(cb, "monitor", None)
        needs = not hasattr(cb, "save_best_only") or cb.save_best_only
        if watches is not None and needs and watches not in log_keys:
            raise InvalidArgumentError(
                f"{type(cb).__name__} monitors {watches!r}, which this training run will not "
                f"log. Available: {', '.join(log_keys)}. (val_* needs validation data.)"
            )

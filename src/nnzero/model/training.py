"""The training loop behind ``Sequential.fit`` and ``evaluate``.

``fit`` validates every argument first, then loops; nothing inside the loop
re-checks input. Batches come from :mod:`.batching`: gathered one at a
time into a reused buffer, or a window of blocks at a time from a
memory-mapped file.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .._validation import as_float_array, check_int, check_number
from ..errors import InvalidArgumentError, InvalidTypeError, NonFiniteLossWarning
from ..threads import largest_product, threads_for_products
from .batching import EpochBatches
from .callbacks import Callback, CallbackList, History, ModelCheckpoint
from .checkpoint import Checkpointer, interruptible
from .fast_step import TrainStep


def check_sample_weight(sample_weight, n: int, name: str = "sample_weight"):
    """``None`` or a finite, non-negative 1-D array of length ``n``."""
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


def _class_weights(class_weight, y: np.ndarray, loss, n_outputs: int) -> np.ndarray:
    """Per-sample weights looked up from ``{class_index: weight}``."""
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


def _check_callbacks(callbacks) -> list[Callback]:
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


def _check_monitors(callbacks, log_keys: list[str]) -> None:
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


def fit(
    model,
    x,
    y,
    *,
    epochs,
    batch_size,
    validation_data,
    validation_split,
    shuffle,
    callbacks,
    verbose,
    sample_weight,
    class_weight,
    checkpoint_dir=None,
    checkpoint_every=None,
):
    model._require_compiled("fit")
    epochs = check_int(epochs, "epochs", low=0)
    validation_split = check_number(
        validation_split, "validation_split", low=0.0, high=1.0, high_inclusive=False
    )
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise InvalidArgumentError(f"`verbose` must be 0, 1 or 2. Received: verbose={verbose!r}")
    if not isinstance(shuffle, bool):
        raise InvalidTypeError(f"`shuffle` must be a bool. Received: shuffle={shuffle!r}")
    callbacks = _check_callbacks(callbacks)
    checkpointer = None
    if checkpoint_dir is not None:
        checkpointer = Checkpointer(checkpoint_dir, checkpoint_every)
    elif checkpoint_every is not None:
        raise InvalidArgumentError("`checkpoint_every` needs a `checkpoint_dir` to write to.")

    # Nothing is built until every argument has passed, so a failed call
    # leaves an unbuilt model (and its random generator) untouched.
    x = model._check_x(x, build=False)
    input_shape = x.shape[1:]
    n_outputs = model._output_width(input_shape)
    y = model._check_y(y, x, n_outputs=n_outputs)
    weights = check_sample_weight(sample_weight, len(x))
    if class_weight is not None:
        cw = _class_weights(class_weight, y, model.loss, n_outputs)
        weights = cw if weights is None else weights * cw

    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise InvalidArgumentError(
                "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, weights)."
            )
        xv = model._check_x(
            validation_data[0], "validation_data[0]", build=False, input_shape=input_shape
        )
        yv = model._check_y(validation_data[1], xv, "validation_data[1]", n_outputs=n_outputs)
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
    batch_size = n if batch_size is None else min(check_int(batch_size, "batch_size", low=1), n)
    log_keys = ["loss", *model.metric_names]
    if val is not None:
        log_keys += [f"val_{k}" for k in log_keys]
    log_keys += ["epoch_time", "learning_rate"]
    _check_monitors(callbacks, log_keys)
    if checkpointer is not None:
        arrays = [x, y, weights, *(val or ())]
        checkpointer.prepare(model, arrays, input_shape, batch_size, shuffle, epochs)
    if not model.built:
        model.build(input_shape)

    history = History()
    model.history = history
    model.stop_training = False
    # The checkpointer comes last: it saves what the other callbacks decided.
    hooks = [*callbacks, *([checkpointer] if checkpointer else [])]
    callback_list = CallbackList([history, *hooks], model)
    callback_list.on_train_begin()
    first_epoch = 0 if checkpointer is None else checkpointer.start(history, verbose)
    # Per-batch calls cost a dict and a loop per step, so they are made only
    # when some callback actually overrides on_batch_end.
    batch_hook = callback_list if any(
        type(cb).on_batch_end is not Callback.on_batch_end for cb in hooks
    ) else None
    # Underflow to zero is the right result wherever it happens in training
    # (exp of a very negative logit, the square of a tiny gradient).
    small = threads_for_products(largest_product(model, batch_size))
    with np.errstate(under="ignore"), interruptible(checkpointer), small:
        for epoch in range(first_epoch, epochs):
            partial = None if checkpointer is None else checkpointer.begin_epoch(epoch)
            callback_list.on_epoch_begin(epoch)
            if partial is None:
                lr, start = model.optimizer.current_learning_rate(), time.perf_counter()
            else:  # finishing an epoch that a checkpoint left part-done
                lr, start = partial.learning_rate, time.perf_counter() - partial.elapsed
            logs = _run_epoch(model, x, y, weights, batch_size, shuffle, batch_hook, partial)
            if logs is None:  # non-finite loss: weights already restored
                history.stopped_reason = (
                    f"non-finite loss at epoch {epoch + 1}; the model keeps its last finite "
                    f"weights. Try a smaller learning rate (it was {lr:g}), or standardize "
                    "the inputs if they are large."
                )
                warnings.warn(history.stopped_reason, NonFiniteLossWarning, stacklevel=3)
                break
            if val is not None:
                scores = evaluate_arrays(model, *val, batch_size=max(batch_size, 1024))
                logs.update({f"val_{k}": v for k, v in scores.items()})
            logs["epoch_time"] = time.perf_counter() - start
            logs["learning_rate"] = lr
            callback_list.on_epoch_end(epoch, logs)
            if verbose:
                print(_epoch_line(epoch, epochs, logs), flush=True)
            if model.stop_training:
                break
    callback_list.on_train_end()
    if verbose and history.stopped_reason:
        print(f"Stopped: {history.stopped_reason}", flush=True)
    return history


def _epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    parts = [f"Epoch {epoch + 1}/{epochs}"]
    for key, value in logs.items():
        if key == "epoch_time":
            parts.append(f"time {value:.2f}s")
        elif key != "learning_rate":
            parts.append(f"{key} {value:.4f}")
    return " - ".join(parts)


def _run_epoch(model, x, y, weights, batch_size, shuffle, callbacks=None, resume=None):
    """One pass over the data; returns the epoch's logs, or None after a
    non-finite loss (having restored finite weights).

    ``callbacks``, when given, gets ``on_batch_end(i, {"batch", "size",
    "loss", <metric>...})`` after each batch with that batch's values.
    ``resume`` (a checkpoint's :class:`~.checkpoint.PartialEpoch`) skips the
    batches a previous run already trained."""
    params = model.params
    snapshot = [p.copy() for p in params]
    # The batch buffer is kept on the model for the next epoch and fit call.
    buffer = getattr(model, "_batch_buffer", None)
    batches = EpochBatches(model.rng, x, y, weights, batch_size, shuffle, buffer)
    n = len(x)
    loss_sum = 0.0
    metric_sums = [0.0] * len(model._metric_fns)
    first = 0
    if resume is not None:  # same shuffle order as the first time, then skip ahead
        first, loss_sum, metric_sums = resume.skip(model, batch_size)
    # train_step's operations with its look-ups made once for the epoch.
    step, get, loss = TrainStep(model), batches.get, model.loss
    metric_fns = model._metric_fns
    for start in range(first, n, batch_size):
        stop = min(start + batch_size, n)
        xb, yb, wb = get(start, stop)
        out, loss_value = step(xb, yb, wb)
        if not math.isfinite(loss_value):
            if not all(np.isfinite(p).all() for p in params):
                for p, s in zip(params, snapshot, strict=True):
                    p[...] = s
            return None
        size = stop - start
        loss_sum += loss_value * size
        if metric_fns:
            values = [fn(yb, out, loss) for fn in metric_fns]
            for i, value in enumerate(values):
                metric_sums[i] += value * size
        else:
            values = ()
        if callbacks is not None:
            batch = start // batch_size
            batch_logs = {"batch": batch, "size": size, "loss": loss_value}
            batch_logs.update(zip(model.metric_names, values, strict=True))
            callbacks.on_batch_end(batch, batch_logs)
    model._batch_buffer = batches.buffer
    logs = {"loss": loss_sum / n}
    logs.update({name: s / n for name, s in zip(model.metric_names, metric_sums, strict=True)})
    return logs


def train_step(model, xb, yb, wb):
    """Forward, backward and one optimizer update on a batch.

    Returns the batch output and its loss (with regularization). When the
    loss is not finite nothing is updated.
    """
    out, loss_value = compute_gradients(model, xb, yb, wb)
    if math.isfinite(loss_value):
        model.optimizer.apply(model.params, model.grads)
        for layer in model.layers:  # constraints project the updated weights
            constrain = getattr(layer, "apply_constraints", None)
            if constrain is not None:
                constrain()
    return out, loss_value


def compute_gradients(model, xb, yb, wb=None):
    """Forward and backward pass filling every layer's ``grads``.

    Returns the output and the loss (with regularization); when the loss is
    not finite the backward pass is skipped.
    """
    loss = model.loss
    last = model.layers[-1]
    # An overflow anywhere in the forward pass shows up as a non-finite loss,
    # which fit reports once with a NonFiniteLossWarning; NumPy's own
    # warnings about it would only repeat that.
    with np.errstate(over="ignore", invalid="ignore"):
        out = model._forward(xb, training=True)
        if model._fused:
            # Value from the logits (exact even when a probability underflows);
            # gradient w.r.t. the logits is p - y, skipping the activation's Jacobian.
            loss_value = float(_weighted_mean(loss.per_sample_from_logits(yb, last._z), wb))
        else:
            loss_value = loss.value(yb, out, wb)
        loss_value += sum(layer.penalty() for layer in model.layers)
    if not math.isfinite(loss_value):
        return out, loss_value
    if model._fused:
        grad = last.backward(loss.logit_gradient(yb, out, wb), preactivation=True)
        layers = model.layers[-2::-1]
    else:
        grad = loss.gradient(yb, out, wb)
        layers = model.layers[::-1]
    for layer in layers:
        grad = layer.backward(grad)
    return out, loss_value


def _weighted_mean(per_sample, weights):
    if weights is not None:
        per_sample = per_sample * weights
    return per_sample.sum() / per_sample.shape[0]


def evaluate_arrays(model, x, y, weights, batch_size):
    """Loss and metrics over validated arrays, batch by batch."""
    n = len(x)
    loss_sum = 0.0
    metric_sums = [0.0] * len(model._metric_fns)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        xb, yb = x[start:stop], y[start:stop]
        wb = None if weights is None else weights[start:stop]
        # A confident output underflows to exactly 0 or 1: the right result.
        with np.errstate(under="ignore"):
            out = model._forward(xb)
        size = stop - start
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            loss_sum += model.loss.value(yb, out, wb) * size
        for i, fn in enumerate(model._metric_fns):
            metric_sums[i] += fn(yb, out, model.loss) * size
    penalty = sum(layer.penalty() for layer in model.layers)
    scores = {"loss": loss_sum / n + penalty}
    scores.update({name: s / n for name, s in zip(model.metric_names, metric_sums, strict=True)})
    return scores

"""The training loop behind ``fit``, and ``evaluate``'s pass over the data.

How a batch flows: :meth:`.Trainer.fit` checks its arguments
(:func:`.fit_arguments.prepare_fit`), then :func:`run_fit` loops over the
epochs; :func:`run_epoch` takes the batches from :mod:`.batching` and hands
each to a :class:`.step.TrainStep` (forward, loss, backward, the optimizer's
update), then to the callbacks' ``on_batch_end``.

Example
-------
>>> import numpy as np
>>> import nnzero as nz
>>> from nnzero.model.training import evaluate_arrays
>>> model = nz.Sequential([nz.layers.Dense(1)])
>>> model.compile(loss="mse")
>>> model.build((2,))
>>> x = np.zeros((3, 2), "float32")
>>> evaluate_arrays(model, x, np.ones((3, 1), "float32"), None, batch_size=2)
{'loss': 1.0}
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from ..errors import NonFiniteLossWarning
from ..threads import largest_product, threads_for_products
from .batching import EpochBatches
from .callbacks import BatchLog, Callback, CallbackList, History
from .checkpoint import interruptible
from .fit_arguments import FitArguments
from .progress import EpochBar, use_bar
from .step import TrainStep


def run_fit(model, arguments: FitArguments) -> History:
    """Train ``model`` as checked ``arguments`` say; return the history."""
    args = arguments
    if not model.built:
        model.build(args.input_shape)
    checkpointer, epochs, verbose = args.checkpointer, args.epochs, args.verbose
    history = History()
    model.history = history
    model.stop_training = False
    per_epoch = math.ceil(len(args.x) / args.batch_size) if len(args.x) else 1
    extra = []
    batch_log = BatchLog(args.log_every, history, per_epoch) if args.log_every else None
    if batch_log is not None:
        extra.append(batch_log)
    bar = EpochBar(epochs, per_epoch) if verbose == 1 and use_bar() else None
    if bar is not None:
        extra.append(bar)
    # The checkpointer comes last: it saves what the other callbacks decided.
    hooks = [*args.callbacks, *extra, *([checkpointer] if checkpointer else [])]
    callback_list = CallbackList([history, *hooks], model)
    callback_list.on_train_begin()
    # After on_train_begin, which resets the callbacks: their saved state wins.
    first_epoch = 0 if checkpointer is None else checkpointer.start(
        history, verbose, args.callbacks, batch_log)
    # Weights to fall back on if training diverges before any epoch ends well.
    start_weights = [p.copy() for p in model.params]
    # Per-batch calls cost a dict and a loop per step, so they are made only
    # when some callback actually overrides on_batch_end.
    batch_hook = callback_list if any(
        type(cb).on_batch_end is not Callback.on_batch_end for cb in hooks
    ) else None
    # Underflow to zero is the right result wherever it happens in training
    # (exp of a very negative logit, the square of a tiny gradient).
    small = threads_for_products(largest_product(model, args.batch_size))
    with np.errstate(under="ignore"), interruptible(checkpointer), small:
        for epoch in range(first_epoch, epochs):
            partial = None if checkpointer is None else checkpointer.begin_epoch(epoch)
            callback_list.on_epoch_begin(epoch)
            if partial is None:
                lr, start = model.optimizer.current_learning_rate(), time.perf_counter()
            else:  # finishing an epoch that a checkpoint left part-done
                lr, start = partial.learning_rate, time.perf_counter() - partial.elapsed
            logs = run_epoch(model, args.x, args.y, args.weights, args.batch_size, args.shuffle,
                             batch_hook, partial)
            if logs is None:  # non-finite loss: the epoch's first weights are back
                _keep_finite_outputs(model, args.x, args.y, start_weights)
                for key in ("loss", *model.metric_names):  # the history up to here
                    history.history.setdefault(key, [])
                history.stopped_reason = (
                    f"non-finite loss at epoch {epoch + 1}; the model keeps its last finite "
                    f"weights. Try a smaller learning rate (it was {lr:g}), or standardize "
                    "the inputs if they are large."
                )
                warnings.warn(history.stopped_reason, NonFiniteLossWarning, stacklevel=3)
                break
            if args.validation is not None:
                scores = evaluate_arrays(model, *args.validation,
                                         batch_size=max(args.batch_size, 1024))
                logs.update({f"val_{k}": v for k, v in scores.items()})
            logs["epoch_time"] = time.perf_counter() - start
            logs["learning_rate"] = lr
            callback_list.on_epoch_end(epoch, logs)
            if bar is not None:
                bar.finish(_epoch_line(epoch, epochs, logs))
            elif verbose:
                print(_epoch_line(epoch, epochs, logs), flush=True)
            if model.stop_training:
                break
    callback_list.on_train_end()
    if verbose and history.stopped_reason:
        print(f"Stopped: {history.stopped_reason}", flush=True)
    return history


def _keep_finite_outputs(model, x, y, start_weights) -> None:
    """After divergence: if the restored weights still give non-finite outputs
    or loss on the first training samples, go back to the weights training
    started with."""
    with np.errstate(all="ignore"):
        out = model.forward(x[:256])
        finite = np.isfinite(out).all() and math.isfinite(model.loss.value(y[:256], out))
    if not finite:
        for p, s in zip(model.params, start_weights, strict=True):
            p[...] = s


def _epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    parts = [f"Epoch {epoch + 1}/{epochs}"]
    for key, value in logs.items():
        if key == "epoch_time":
            parts.append(f"time {value:.2f}s")
        elif key != "learning_rate":
            parts.append(f"{key} {value:.4f}")
    return " - ".join(parts)


def run_epoch(model, x, y, weights, batch_size, shuffle, callbacks=None, resume=None):
    """One pass over the data; returns the epoch's logs, or None after a
    non-finite loss (having restored finite weights).

    ``callbacks``, when given, gets ``on_batch_end(i, {"batch", "size",
    "loss", <metric>...})`` after each batch with that batch's values.
    ``resume`` (a checkpoint's :class:`~.checkpoint.PartialEpoch`) skips the
    batches a previous run already trained."""
    params = model.params
    snapshot = [p.copy() for p in params]
    batches = EpochBatches(model.rng, x, y, weights, batch_size, shuffle, model.batch_buffer)
    n = len(x)
    loss_sum = 0.0
    metric_sums = [0.0] * len(model.metric_functions)
    first = 0
    if resume is not None:  # same shuffle order as the first time, then skip ahead
        first, loss_sum, metric_sums = resume.skip(model, batch_size)
    step, get, loss = TrainStep(model), batches.get, model.loss
    metric_fns = model.metric_functions
    for start in range(first, n, batch_size):
        stop = min(start + batch_size, n)
        xb, yb, wb = get(start, stop)
        out, loss_value = step(xb, yb, wb)
        if not math.isfinite(loss_value):
            # The weights that gave it may be finite yet huge: back to the epoch's first.
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
            # A callback may have changed the optimizer, the loss or a layer.
            step.refresh()
            loss = model.loss
    model.batch_buffer = batches.buffer
    logs = {"loss": loss_sum / n}
    logs.update({name: s / n for name, s in zip(model.metric_names, metric_sums, strict=True)})
    return logs


def evaluate_arrays(model, x, y, weights, batch_size):
    """Loss (with regularization) and metrics over validated arrays, batch by batch."""
    n = len(x)
    loss_sum = 0.0
    metric_sums = [0.0] * len(model.metric_functions)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        xb, yb = x[start:stop], y[start:stop]
        wb = None if weights is None else weights[start:stop]
        # A confident output underflows to exactly 0 or 1: the right result.
        with np.errstate(under="ignore"):
            out = model.forward(xb)
        size = stop - start
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            loss_sum += model.loss.value(yb, out, wb) * size
        for i, fn in enumerate(model.metric_functions):
            metric_sums[i] += fn(yb, out, model.loss) * size
    penalty = sum(layer.penalty() for layer in model.layers)
    scores = {"loss": loss_sum / n + penalty}
    scores.update({name: s / n for name, s in zip(model.metric_names, metric_sums, strict=True)})
    return scores
